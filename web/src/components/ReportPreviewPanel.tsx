// What the server read from the beginning of a report: the events the import would make, the records it would file
// as dead letters (with the reason and the text as received), and for a spreadsheet list its first rows as cells.
// Everything is shown as text: a report is data from outside.
import { useTranslation } from 'react-i18next';
import type { PreviewEvent, ReportPreview } from '../api-types/reports';
import { useApp } from '../context';
import { PREVIEW_BYTES } from '../reports/upload';
import { classLabel } from '../rsit-terms';
import { Time } from './Time';

/** `file.csv:12` → `12`: the line (or message) part of an event's position. */
function where(position: string): string {
  const colon = position.lastIndexOf(':');
  return colon === -1 ? position : position.slice(colon + 1);
}

function endpoint(address: string | null, port: number | null): string {
  if (!address) return port === null ? '' : `:${port}`;
  if (port === null) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function CsvSampleTable({ columns, rows }: { columns: string[]; rows: string[][] }) {
  const { t } = useTranslation();
  if (columns.length === 0) return null;
  return (
    <section className="section" data-testid="csv-sample">
      <h3>{t('reports.sample.title')}</h3>
      <div className="table-wrap">
        <table className="table table-compact">
          <thead>
            <tr>
              {columns.map((c, i) => (
                <th key={i} data-testid="csv-sample-column">
                  {c || t('reports.sample.column', { index: i + 1 })}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, r) => (
              <tr key={r}>
                {columns.map((_, i) => (
                  <td key={i} className="wrap">
                    {row[i] ?? ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function EventRow({ event }: { event: PreviewEvent }) {
  const { t } = useTranslation();
  const detail = Object.entries(event.detail ?? {});
  return (
    <tr data-testid="preview-event">
      <td className="num mono">{where(event.position)}</td>
      <td>
        <Time value={event.time} />
      </td>
      <td>
        {classLabel(event.type, t)}
        {event.needsReview && <span className="badge badge-warning">{t('reports.preview.needsReview')}</span>}
      </td>
      <td className="mono" data-testid="preview-event-address">
        {endpoint(event.address, event.port)}
        {event.hostname && <div className="muted small">{event.hostname}</div>}
        {event.url && <div className="muted small wrap">{event.url}</div>}
      </td>
      <td className="mono">{endpoint(event.destinationAddress, event.destinationPort)}</td>
      <td>{event.protocol ?? ''}</td>
      <td data-testid="preview-event-identifier">{event.identifier ?? ''}</td>
      <td className="wrap small">
        {detail.length > 0 && (
          <details>
            <summary>{t('reports.preview.fields', { count: detail.length })}</summary>
            <dl className="detail-list">
              {detail.map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
          </details>
        )}
      </td>
    </tr>
  );
}

export function ReportPreviewPanel({ preview }: { preview: ReportPreview }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const { counts } = preview;
  return (
    <div data-testid="report-preview">
      <p data-testid="preview-counts">
        {t('reports.preview.counts', { events: fmt.number(counts.events), rejected: fmt.number(counts.rejected) })}
        {preview.partial && <> {t('reports.preview.partial', { size: fmt.bytes(PREVIEW_BYTES) })}</>}
      </p>
      {counts.suggestions > 0 && (
        <p className="alert alert-info">{t('reports.preview.suggestions', { count: counts.suggestions })}</p>
      )}
      {preview.events.length === 0 && counts.suggestions === 0 ? (
        <p className="empty">{t('reports.preview.empty')}</p>
      ) : (
        preview.events.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th className="num">{t('reports.preview.columns.position')}</th>
                  <th>{t('reports.preview.columns.time')}</th>
                  <th>{t('reports.preview.columns.type')}</th>
                  <th>{t('reports.preview.columns.address')}</th>
                  <th>{t('reports.preview.columns.destination')}</th>
                  <th>{t('reports.preview.columns.protocol')}</th>
                  <th>{t('reports.preview.columns.identifier')}</th>
                  <th>{t('reports.preview.columns.detail')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.events.map((event) => (
                  <EventRow key={event.position} event={event} />
                ))}
              </tbody>
            </table>
          </div>
        )
      )}
      {preview.rejected.length > 0 && (
        <section className="section" data-testid="preview-rejected">
          <h3>{t('reports.preview.rejectedTitle')}</h3>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th>{t('reports.preview.rejectedColumns.position')}</th>
                  <th>{t('reports.preview.rejectedColumns.reason')}</th>
                  <th>{t('reports.preview.rejectedColumns.raw')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.rejected.map((r) => (
                  <tr key={r.position} data-testid="preview-rejected-row">
                    <td className="mono">{where(r.position)}</td>
                    <td className="wrap">{r.reason}</td>
                    <td>
                      <pre className="raw-text">{r.raw}</pre>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}

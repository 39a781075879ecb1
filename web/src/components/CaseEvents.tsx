// The events of a case, newest first, a page at a time: when it happened, what the reporter saw (the address and
// port, a host name or URL), who reported it and where in their report; and the report itself on request.
import { Fragment, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { EventPage, AbuseEvent } from '../api-types/cases';
import { withQuery } from '../case-api';
import { classLabel } from '../rsit-terms';
import { useApi } from '../hooks';
import { useKeysetCursors } from '../keyset-cursors';
import { CaseEvidence } from './CaseEvidence';
import { ErrorMessage } from './ErrorMessage';
import { KeysetPager } from './KeysetPager';
import { Time } from './Time';

const PAGE_SIZE = 20;

/** What the reporter named on the subscriber's side: `198.51.100.23:51413`, or a host name or URL. */
export function sourceText(e: AbuseEvent): string {
  const { address, port, hostname, url } = e.source;
  if (address) return port === null ? address : address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  return hostname ?? url ?? '';
}

export function CaseEvents({ caseId, generation }: { caseId: number; generation: number }) {
  const { t } = useTranslation();
  const cursors = useKeysetCursors();
  const [shown, setShown] = useState<number | null>(null);
  const { before } = cursors;
  const page = useApi<EventPage>(withQuery('/api/abuse/events', { case: caseId, limit: PAGE_SIZE, before }));
  const { reload } = page;
  useEffect(() => {
    if (generation > 0) reload();
  }, [generation, reload]);
  const events = page.error ? [] : (page.data?.items ?? []);

  return (
    <section className="section" data-testid="case-events">
      <div className="section-header">
        <h2>{t('casePage.events.title')}</h2>
      </div>
      {page.error && <ErrorMessage error={page.error} onRetry={page.reload} />}
      {page.data && events.length === 0 && <p className="muted">{t('casePage.events.none')}</p>}
      {events.length > 0 && (
        <>
          {(cursors.paging || page.data?.next != null) && <KeysetPager {...cursors.pagerProps(page)} />}
          <div className="table-wrap">
            <table className={`table${page.loading ? ' table-loading' : ''}`} data-testid="case-events-table">
              <thead>
                <tr>
                  <th>{t('casePage.events.occurred')}</th>
                  <th>{t('casePage.events.type')}</th>
                  <th>{t('casePage.events.source')}</th>
                  <th>{t('casePage.events.reporter')}</th>
                  <th>{t('casePage.events.where')}</th>
                  <th>{t('casePage.events.report')}</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <Fragment key={e.id}>
                    <tr data-testid="case-event-row">
                      <td>
                        <Time value={e.occurredAt} />
                      </td>
                      <td>
                        {classLabel(e.type, t)}
                        {e.identifier && <span className="indicator-type mono">{e.identifier}</span>}
                        {e.needsReview && <span className="badge badge-warning">{t('casePage.events.review')}</span>}
                      </td>
                      <td className="mono wrap" data-testid="case-event-source">
                        {sourceText(e)}
                      </td>
                      <td className="wrap">
                        {e.reporter}
                        <span className="indicator-type mono">{e.reportType}</span>
                      </td>
                      <td className="mono wrap small">{e.evidence}</td>
                      <td>
                        <button
                          type="button"
                          className="button button-small"
                          aria-expanded={shown === e.id}
                          onClick={() => setShown(shown === e.id ? null : e.id)}
                          data-testid="case-event-evidence"
                        >
                          {shown === e.id ? t('casePage.evidence.hide') : t('casePage.evidence.show')}
                        </button>
                      </td>
                    </tr>
                    {shown === e.id && (
                      <tr className="evidence-row">
                        <td colSpan={6}>
                          <CaseEvidence reportId={e.reportId} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

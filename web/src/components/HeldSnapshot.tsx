// The panel under a source whose last full snapshot was held: why (how much it would retire), what the run listed and
// added, the indicators approval would retire page by page, and for operators the approve button.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { categoryLabel } from '../sighting-terms';
import type { HeldDiff } from '../api-types/intel';
import { ErrorMessage } from './ErrorMessage';
import { typeLabel } from './IndicatorDetail';
import { Pager } from './Pager';
import { Time } from './Time';

const PAGE = 20;

export function HeldSnapshot(props: { source: string; canOperate: boolean; busy: boolean; onApprove(): void }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const [offset, setOffset] = useState(0);
  const diff = useApi<{ diff: HeldDiff | null }>(
    `/api/intel/sources/${encodeURIComponent(props.source)}/held?limit=${PAGE}&offset=${offset}`,
  );
  const d = diff.data?.diff;
  const id = (name: string) => `source-${props.source}-${name}`;

  return (
    <section className="pending intel-held" data-testid={id('held')}>
      <h3>{t('sources.heldPanel.title')}</h3>
      {diff.error && <ErrorMessage error={diff.error} onRetry={diff.reload} />}
      {!diff.data && diff.loading && <p className="muted">{t('common.loading')}</p>}
      {d && (
        <>
          <p data-testid={id('held-reason')}>
            {t('sources.heldPanel.reason', {
              at: fmt.dateTime(d.runAt),
              wouldRetire: fmt.number(d.held.wouldRetire),
              of: fmt.number(d.held.of),
              share: `${fmt.number(d.held.share * 100, 1)}%`,
            })}
          </p>
          <dl className="facts">
            <div>
              <dt>{t('sources.heldPanel.listed')}</dt>
              <dd data-testid={id('held-listed')}>{fmt.number(d.listed)}</dd>
            </div>
            <div>
              <dt>{t('sources.heldPanel.added')}</dt>
              <dd data-testid={id('held-added')}>
                {d.added === null ? t('sources.heldPanel.addedUnknown') : fmt.number(d.added)}
              </dd>
            </div>
            <div>
              <dt>{t('sources.heldPanel.removed')}</dt>
              <dd data-testid={id('held-removed')}>{fmt.number(d.removed)}</dd>
            </div>
          </dl>
          {d.removed > 0 && (
            <>
              <h4>{t('sources.heldPanel.sample')}</h4>
              <div className={`table-wrap${diff.loading ? ' table-loading' : ''}`}>
                <table className="table" data-testid={id('held-sample')}>
                  <thead>
                    <tr>
                      <th scope="col">{t('indicators.columns.value')}</th>
                      <th scope="col">{t('indicators.columns.type')}</th>
                      <th scope="col">{t('indicators.columns.category')}</th>
                      <th scope="col">{t('indicators.columns.lastSeen')}</th>
                      <th scope="col">{t('indicators.columns.validUntil')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.removedItems.map((item) => (
                      <tr key={`${item.type}:${item.value}`}>
                        <td className="mono">{item.value}</td>
                        <td>{typeLabel(item.type, t)}</td>
                        <td>{categoryLabel(item.category, t)}</td>
                        <td>
                          <Time value={item.lastSeen} />
                        </td>
                        <td>
                          <Time value={item.validUntil} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager
                primary
                offset={offset}
                limit={PAGE}
                total={d.removed}
                count={d.removedItems.length}
                onChange={setOffset}
              />
            </>
          )}
          {props.canOperate && (
            <div className="pending-actions">
              <button
                type="button"
                className="button button-primary"
                disabled={props.busy}
                onClick={props.onApprove}
                data-testid={id('approve')}
              >
                {t('sources.heldPanel.approve')}
              </button>
            </div>
          )}
        </>
      )}
    </section>
  );
}

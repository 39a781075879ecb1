// One indicator: whether it counts now, the allowlist that covers it (with the console entry's reason and expiry),
// every source's claim, and what each enforcement point would do with it. Values from feeds are shown as text.
import { useEffect, useRef } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { categoryLabel } from '../sighting-terms';
import type { Claim, ConsoleEntryRef, IndicatorDetail as Detail, PointEnforcement } from '../api-types/intel';
import { ErrorMessage } from './ErrorMessage';
import { Time } from './Time';

export function indicatorPath(type: string, value: string): string {
  return `/api/intel/indicators/${encodeURIComponent(value)}?type=${encodeURIComponent(type)}`;
}

export function typeLabel(type: string, t: TFunction): string {
  return t(`indicators.types.${type as 'domain'}`, { defaultValue: type });
}

function ClaimStatus({ claim }: { claim: Claim }) {
  const { t } = useTranslation();
  if (claim.suppressedBy)
    return (
      <span className="badge badge-held" title={claim.suppressedBy}>
        {t('indicators.status.suppressed')}
      </span>
    );
  if (!claim.effective) return <span className="badge badge-disabled">{t('indicators.status.expired')}</span>;
  return <span className="badge badge-enabled">{t('indicators.status.effective')}</span>;
}

function ConsoleEntryLine({ entry }: { entry: ConsoleEntryRef }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  return (
    <p className="small" data-testid="indicator-console-entry">
      {t('indicators.detail.consoleEntry', {
        reason: entry.reason,
        addedBy: entry.addedBy,
        addedAt: fmt.dateTime(entry.addedAt),
        until: entry.expiresAt
          ? t('indicators.detail.until', { time: fmt.dateTime(entry.expiresAt) })
          : t('indicators.detail.untilRemoved'),
      })}
    </p>
  );
}

function PointRow({ item }: { item: PointEnforcement }) {
  const { t } = useTranslation();
  const why = item.notCarried
    ? t(`indicators.notCarried.${item.notCarried}`, { rule: item.stoppedBy ?? '' })
    : item.monitorReason
      ? t(`indicators.monitorReason.${item.monitorReason}`)
      : item.categories.map((c) => categoryLabel(c, t)).join(', ');
  const badge =
    item.action === 'block' ? 'badge-blocked' : item.action === 'monitor' ? 'badge-monitor' : 'badge-disabled';
  return (
    <tr data-testid={`indicator-point-${item.point}`}>
      <th scope="row">{t(`enforce.points.${item.point}.name`)}</th>
      <td>
        <span className={`badge ${badge}`} data-testid={`indicator-point-${item.point}-action`}>
          {t(`indicators.action.${item.action ?? 'none'}`)}
        </span>
      </td>
      <td className="small intel-wrap">{why}</td>
    </tr>
  );
}

export function IndicatorDetail(props: {
  type: string;
  value: string;
  /** Changes when the allowlist changed, so the verdicts are read again. */
  generation: number;
  canOperate: boolean;
  onAllowlist(value: string): void;
  onClose(): void;
}) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const detail = useApi<Detail>(indicatorPath(props.type, props.value));
  const { reload } = detail;
  const shown = useRef(props.generation);
  useEffect(() => {
    if (shown.current === props.generation) return;
    shown.current = props.generation;
    reload();
  }, [props.generation, reload]);
  const d = detail.data;
  const effective = d?.claims.filter((c) => c.effective) ?? [];
  const until = effective.reduce((latest, c) => (c.validUntil > latest ? c.validUntil : latest), '');
  const verdict = d?.allowlisted ? `${d.allowlisted.list} / ${d.allowlisted.entry}` : null;

  return (
    <section className="section card intel-detail" data-testid="indicator-detail" aria-live="polite">
      <header className="section-header">
        <h2 className="mono intel-value" data-testid="indicator-detail-value">
          {props.value}
        </h2>
        <span className="badge">{typeLabel(props.type, t)}</span>
        <div className="page-actions">
          {props.canOperate && d && !d.allowlisted && (
            <button
              type="button"
              className="button button-small"
              onClick={() => props.onAllowlist(props.value)}
              data-testid="indicator-allowlist-it"
            >
              {t('indicators.detail.allowlistIt')}
            </button>
          )}
          <button type="button" className="button button-small" onClick={props.onClose}>
            {t('indicators.detail.close')}
          </button>
        </div>
      </header>
      {detail.error && <ErrorMessage error={detail.error} onRetry={detail.reload} />}
      {!d && detail.loading && <p className="muted">{t('common.loading')}</p>}
      {d && (
        <>
          <p data-testid="indicator-detail-summary">
            {d.effective
              ? t('indicators.detail.counts', {
                  count: fmt.number(effective.length),
                  total: fmt.number(d.claims.length),
                  until: fmt.dateTime(until),
                })
              : t('indicators.detail.countsNone')}
          </p>
          <p data-testid="indicator-detail-allowlist">
            {verdict === null
              ? t('indicators.detail.notAllowlisted')
              : d.allowlisted?.mode === 'inform'
                ? t('indicators.detail.flaggedNow', { verdict })
                : t('indicators.detail.allowlistedNow', { verdict })}
          </p>
          {d.consoleEntries.map((e) => (
            <ConsoleEntryLine key={e.id} entry={e} />
          ))}

          <h3>{t('indicators.detail.claims')}</h3>
          {d.claims.length === 0 ? (
            <p className="muted">{t('indicators.detail.noClaims')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="indicator-claims">
                <thead>
                  <tr>
                    <th scope="col">{t('indicators.columns.source')}</th>
                    <th scope="col">{t('indicators.columns.category')}</th>
                    <th scope="col">{t('indicators.columns.confidence')}</th>
                    <th scope="col">{t('indicators.columns.firstSeen')}</th>
                    <th scope="col">{t('indicators.columns.lastSeen')}</th>
                    <th scope="col">{t('indicators.columns.validUntil')}</th>
                    <th scope="col">{t('indicators.columns.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {d.claims.map((c) => (
                    <tr key={c.source} data-testid={`indicator-claim-${c.source}`}>
                      <td>{c.source}</td>
                      <td>
                        <span className="badge badge-category">{categoryLabel(c.category, t)}</span>
                      </td>
                      <td>{fmt.number(c.confidence)}</td>
                      <td>
                        <Time value={c.firstSeen} />
                      </td>
                      <td>
                        <Time value={c.lastSeen} />
                      </td>
                      <td>
                        <Time value={c.validUntil} />
                      </td>
                      <td>
                        <ClaimStatus claim={c} />
                        {c.suppressedBy && (
                          <div
                            className="small mono intel-verdict"
                            data-testid={`indicator-claim-${c.source}-suppressed-by`}
                          >
                            {t('indicators.detail.suppressedBy', { verdict: c.suppressedBy })}
                          </div>
                        )}
                        {c.reviewBy && (
                          <div className="small mono intel-verdict">
                            {t('indicators.detail.reviewBy', { verdict: c.reviewBy })}
                          </div>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}

          <h3>{t('indicators.detail.enforcement')}</h3>
          <p className="small muted">{t('indicators.detail.enforcementHint')}</p>
          <div className="table-wrap">
            <table className="table" data-testid="indicator-enforcement">
              <thead>
                <tr>
                  <th scope="col">{t('indicators.columns.point')}</th>
                  <th scope="col">{t('indicators.columns.action')}</th>
                  <th scope="col">{t('indicators.columns.why')}</th>
                </tr>
              </thead>
              <tbody>
                {d.enforcement.map((item) => (
                  <PointRow key={item.point} item={item} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

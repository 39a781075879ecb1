// Audit log (legal and admin only): the entries, newest first, filtered and paged on the server, and a check of the
// hash chain that says either how many entries hold or where the chain breaks.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import type { AuditFilter, AuditFilteredPage, PurposeList } from '../api-types/admin';
import { AuditFilters } from '../components/AuditFilters';
import { ErrorMessage } from '../components/ErrorMessage';
import { KeysetPager } from '../components/KeysetPager';
import { Time } from '../components/Time';
import { useApi } from '../hooks';
import { useKeysetCursors } from '../keyset-cursors';
import type { AuditVerification } from '../types';
import '../styles/admin.css';

const PAGE_SIZE = 50;

/** Request ids are long (UUIDs); the first 8 characters tell entries of one request apart, the tooltip has all. */
function shortId(id: string | null): string | null {
  if (!id) return null;
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

function auditPath(filter: AuditFilter, before: number | undefined): string {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [key, value] of Object.entries(filter)) if (value) query.set(key, value);
  if (before !== undefined) query.set('beforeId', String(before));
  return `/api/audit?${query}`;
}

export function Audit() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<AuditFilter>({});
  // The `beforeId` cursor of each page after the newest, so "newer" goes back exactly to the page it came from.
  const cursors = useKeysetCursors();
  const page = useApi<AuditFilteredPage>(auditPath(filter, cursors.before));
  const purposes = useApi<PurposeList>('/api/attribution/purposes');
  const [verification, setVerification] = useState<AuditVerification>();
  const [verifyError, setVerifyError] = useState<ApiError>();
  const [verifying, setVerifying] = useState(false);
  const entries = page.error ? [] : (page.data?.items ?? []);
  const filtered = Object.keys(filter).length > 0;

  const verify = async () => {
    setVerifying(true);
    setVerifyError(undefined);
    setVerification(undefined);
    try {
      setVerification(await api.post<AuditVerification>('/api/audit/verify'));
    } catch (err) {
      setVerifyError(toApiError(err));
    } finally {
      setVerifying(false);
    }
  };

  const pager = (primary: boolean) => <KeysetPager {...cursors.pagerProps(page)} primary={primary} />;

  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="audit-title">{t('audit.title')}</h1>
        <div className="page-actions">
          <button type="button" className="button" onClick={page.reload} disabled={page.loading}>
            {t('common.refresh')}
          </button>
          <button
            type="button"
            className="button button-primary"
            onClick={verify}
            disabled={verifying}
            data-testid="audit-verify"
          >
            {verifying ? t('audit.verifying') : t('audit.verify')}
          </button>
        </div>
      </header>
      <p className="muted intro">{t('audit.intro')}</p>

      {verification &&
        (verification.ok || !verification.firstBroken ? (
          <div className="alert alert-ok" role="status" data-testid="audit-verify-result">
            {t('audit.verifyOk', { checked: verification.checked })}
          </div>
        ) : (
          <div className="alert alert-error" role="alert" data-testid="audit-verify-result">
            {t('audit.verifyBroken', {
              id: verification.firstBroken.id,
              problem: verification.firstBroken.problem,
              checked: verification.checked,
            })}
          </div>
        ))}
      {verifyError && <ErrorMessage error={verifyError} />}

      <AuditFilters
        purposes={purposes.data?.items ?? []}
        onApply={(next) => {
          setFilter(next);
          cursors.reset();
        }}
      />
      {page.error && <ErrorMessage error={page.error} onRetry={page.reload} testId="audit-error" />}
      {!page.data && page.loading && <p className="muted">{t('common.loading')}</p>}
      {page.data && !page.error && entries.length === 0 && (
        <p className="empty" data-testid="audit-empty">
          {filtered || cursors.paging ? t('audit.emptyFiltered') : t('audit.empty')}
        </p>
      )}
      {entries.length > 0 && (
        <>
          {pager(true)}
          <div className="table-wrap">
            <table className={page.loading ? 'table table-loading' : 'table'} data-testid="audit-table">
              <thead>
                <tr>
                  <th className="num">{t('audit.columns.id')}</th>
                  <th>{t('audit.columns.at')}</th>
                  <th>{t('audit.columns.actor')}</th>
                  <th>{t('audit.columns.action')}</th>
                  <th>{t('audit.columns.target')}</th>
                  <th>{t('audit.columns.purpose')}</th>
                  <th>{t('audit.columns.detail')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <tr
                    key={entry.id}
                    className={verification?.firstBroken?.id === entry.id ? 'row-broken' : undefined}
                    data-testid="audit-row"
                  >
                    <td className="num">{entry.id}</td>
                    <td>
                      <Time value={entry.at} />
                    </td>
                    <td className="mono" data-testid="audit-actor">
                      {entry.actor}
                    </td>
                    <td className="mono" data-testid="audit-action">
                      {entry.action}
                    </td>
                    <td className="wrap mono" data-testid="audit-target">
                      {entry.target ?? t('common.none')}
                    </td>
                    <td className="wrap" data-testid="audit-purpose">
                      {entry.purpose ?? t('common.none')}
                    </td>
                    <td className="audit-detail">
                      {entry.detail === null || entry.detail === undefined ? (
                        t('common.none')
                      ) : (
                        <details>
                          <summary>{t('audit.showDetail')}</summary>
                          <pre className="evidence-text">{JSON.stringify(entry.detail, null, 2)}</pre>
                        </details>
                      )}
                      {entry.requestId && (
                        <span className="block mono small muted" title={entry.requestId}>
                          {t('audit.columns.requestId')} {shortId(entry.requestId)}
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {entries.length > 20 && pager(false)}
        </>
      )}
    </div>
  );
}

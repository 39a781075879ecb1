// Audit log (legal and admin only): the entries, newest first, loaded 100 at a time, and a check of the hash chain.
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { Time } from '../components/Time';
import type { AuditEntry, AuditPage, AuditVerification } from '../types';

const PAGE_SIZE = 100;

/** Request ids are long (UUIDs); the first 8 characters tell entries of one request apart, the tooltip has all. */
function shortId(id: string | null): string | null {
  if (!id) return null;
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

export function Audit() {
  const { t } = useTranslation();
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [loading, setLoading] = useState(false);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [verification, setVerification] = useState<AuditVerification>();
  const [verifyError, setVerifyError] = useState<ApiError>();
  const [verifying, setVerifying] = useState(false);

  const load = useCallback(async (beforeId?: number) => {
    setLoading(true);
    setError(undefined);
    try {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (beforeId !== undefined) query.set('beforeId', String(beforeId));
      const page = await api.get<AuditPage>(`/api/audit?${query}`);
      setEntries((previous) => (beforeId === undefined ? page.items : [...previous, ...page.items]));
      setHasMore(page.items.length === PAGE_SIZE);
      setLoaded(true);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

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

  const oldestId = entries.length > 0 ? Math.min(...entries.map((entry) => entry.id)) : undefined;

  return (
    <div className="page">
      <header className="page-header">
        <h1>{t('audit.title')}</h1>
        <div className="page-actions">
          <button type="button" className="button" onClick={() => void load()} disabled={loading}>
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

      {error && <ErrorMessage error={error} onRetry={() => void load(oldestId)} />}
      {!loaded && loading && <p className="muted">{t('common.loading')}</p>}
      {loaded && entries.length === 0 && <p className="empty">{t('audit.empty')}</p>}
      {entries.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="audit-table">
            <thead>
              <tr>
                <th className="num">{t('audit.columns.id')}</th>
                <th>{t('audit.columns.at')}</th>
                <th>{t('audit.columns.actor')}</th>
                <th>{t('audit.columns.action')}</th>
                <th>{t('audit.columns.target')}</th>
                <th>{t('audit.columns.purpose')}</th>
                <th>{t('audit.columns.requestId')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id} className={verification?.firstBroken?.id === entry.id ? 'row-broken' : undefined}>
                  <td className="num">{entry.id}</td>
                  <td>
                    <Time value={entry.at} />
                  </td>
                  <td>{entry.actor}</td>
                  <td className="mono">{entry.action}</td>
                  <td className="wrap mono">{entry.target ?? t('common.none')}</td>
                  <td className="wrap">{entry.purpose ?? t('common.none')}</td>
                  <td className="mono small" title={entry.requestId ?? undefined}>
                    {shortId(entry.requestId) ?? t('common.none')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {loaded && entries.length > 0 && (
        <div className="load-more">
          {hasMore ? (
            <button type="button" className="button" onClick={() => void load(oldestId)} disabled={loading}>
              {loading ? t('common.loading') : t('audit.loadOlder')}
            </button>
          ) : (
            <span className="muted">{t('audit.allLoaded')}</span>
          )}
        </div>
      )}
    </div>
  );
}

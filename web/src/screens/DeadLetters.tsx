// Dead letters: records a parser could not read, kept with the reason; paged 50 at a time. "Show" opens one with its
// raw bytes (an audited read); operators replay one letter or all of a source and see what the replay came to.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { DeadLetterReplay, type ReplayRun } from '../components/DeadLetterReplay';
import { DeadLetterView } from '../components/DeadLetterView';
import { ErrorMessage } from '../components/ErrorMessage';
import { Pager } from '../components/Pager';
import { Time } from '../components/Time';
import type { DeadLetterList } from '../api-types/deadletters';
import { lettersOfSource, waitingIds } from '../deadletter-replay';
import type { Role } from '../types';
import '../styles/deadletters.css';

const PAGE_SIZE = 50;
/** Roles with system.operate on the server (src/domain/roles.ts): they may read raw records and replay. */
const OPERATOR_ROLES: readonly Role[] = ['analyst', 'admin'];

export function DeadLetters() {
  const { t } = useTranslation();
  const { fmt, user } = useApp();
  const canOperate = OPERATOR_ROLES.includes(user.role);
  const [offset, setOffset] = useState(0);
  const [opened, setOpened] = useState<number | null>(null);
  const [run, setRun] = useState<ReplayRun | null>(null);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<ApiError>();
  const page = useApi<DeadLetterList>(`/api/deadletters?limit=${PAGE_SIZE}&offset=${offset}`);
  const items = page.data?.items ?? [];
  const total = page.data?.total ?? 0;

  const replay = async (source: string, pick: () => Promise<number[]>) => {
    setStarting(true);
    setStartError(undefined);
    try {
      const ids = await pick();
      if (ids.length === 0) {
        setStartError(toApiError(new Error(t('deadLetters.replay.nothing', { source }))));
        return;
      }
      const { jobId } = await api.post<{ jobId: number }>('/api/deadletters/replay', { ids });
      setRun({ jobId, ids, source });
    } catch (err) {
      setStartError(toApiError(err));
    } finally {
      setStarting(false);
    }
  };
  const replayOne = (id: number, source: string) => void replay(source, () => Promise.resolve([id]));
  const replaySource = (source: string) => void replay(source, async () => waitingIds(await lettersOfSource(source)));

  const sources = [...new Set(items.map((item) => item.source))].sort();

  const pager = (primary: boolean) =>
    page.data &&
    total > 0 && (
      <Pager
        offset={offset}
        limit={PAGE_SIZE}
        total={total}
        count={items.length}
        onChange={setOffset}
        primary={primary}
      />
    );

  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="deadletters-title">{t('deadLetters.title')}</h1>
        <div className="page-actions">
          <button type="button" className="button" onClick={page.reload} disabled={page.loading}>
            {t('common.refresh')}
          </button>
        </div>
      </header>
      <p className="muted intro">{t('deadLetters.intro')}</p>
      {startError && <ErrorMessage error={startError} testId="deadletter-replay-start-error" />}
      {run && <DeadLetterReplay key={run.jobId} run={run} onFinished={page.reload} />}
      {opened !== null && <DeadLetterView key={opened} id={opened} onClose={() => setOpened(null)} />}
      {page.error && <ErrorMessage error={page.error} onRetry={page.reload} />}
      {!page.data && page.loading && <p className="muted">{t('common.loading')}</p>}
      {page.data && total === 0 && (
        <p className="empty" data-testid="deadletters-empty">
          {t('deadLetters.empty')}
        </p>
      )}
      {canOperate && sources.length > 0 && (
        <div className="deadletter-sources" role="group" aria-labelledby="deadletter-sources-label">
          <span id="deadletter-sources-label">{t('deadLetters.actions.replaySource')}</span>
          {sources.map((source) => (
            <button
              key={source}
              type="button"
              className="button button-small"
              onClick={() => replaySource(source)}
              disabled={starting}
              data-testid="deadletter-replay-source"
            >
              {source}
            </button>
          ))}
        </div>
      )}
      {pager(true)}
      {items.length > 0 && (
        <>
          <div className="table-wrap">
            <table className={`table${page.loading ? ' table-loading' : ''}`} data-testid="deadletters-table">
              <thead>
                <tr>
                  <th className="num">{t('deadLetters.columns.id')}</th>
                  <th>{t('deadLetters.columns.source')}</th>
                  <th>{t('deadLetters.columns.format')}</th>
                  <th>{t('deadLetters.columns.reason')}</th>
                  <th>{t('deadLetters.columns.position')}</th>
                  <th className="num">{t('deadLetters.columns.size')}</th>
                  <th>{t('deadLetters.columns.receivedAt')}</th>
                  <th>{t('deadLetters.columns.replayedAt')}</th>
                  {canOperate && <th>{t('deadLetters.columns.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.id} data-testid="deadletter-row">
                    <td className="num">{item.id}</td>
                    <td className="wrap-anywhere" data-testid="deadletter-source">
                      {item.source}
                    </td>
                    <td className="mono">{item.format}</td>
                    <td className="wrap">
                      <span data-testid="deadletter-reason">{item.reason}</span>
                      {!item.replayedAt && item.lastError && (
                        <div className="small muted wrap deadletter-last-error" data-testid="deadletter-last-error">
                          {t('deadLetters.stillFailing', { error: item.lastError })}
                        </div>
                      )}
                    </td>
                    <td className="mono deadletter-position">{item.position ?? t('common.none')}</td>
                    <td className="num">{fmt.bytes(item.size)}</td>
                    <td>
                      <Time value={item.receivedAt} />
                    </td>
                    <td data-testid="deadletter-replayed">
                      <Time value={item.replayedAt} />
                    </td>
                    {canOperate && (
                      <td>
                        <div className="deadletter-actions">
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => setOpened(item.id)}
                            aria-pressed={opened === item.id}
                            data-testid="deadletter-show"
                          >
                            {t('deadLetters.actions.show')}
                          </button>
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => replayOne(item.id, item.source)}
                            disabled={starting || item.replayedAt !== null}
                            data-testid="deadletter-replay-one"
                          >
                            {t('deadLetters.actions.replay')}
                          </button>
                        </div>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {items.length > 20 && pager(false)}
        </>
      )}
    </div>
  );
}

// Dead letters: records a parser could not read, kept with the reason; paged 50 at a time.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { ErrorMessage } from '../components/ErrorMessage';
import { Pager } from '../components/Pager';
import { Time } from '../components/Time';
import type { DeadLetterPage } from '../types';

const PAGE_SIZE = 50;

export function DeadLetters() {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const [offset, setOffset] = useState(0);
  const page = useApi<DeadLetterPage>(`/api/deadletters?limit=${PAGE_SIZE}&offset=${offset}`);
  const items = page.data?.items ?? [];
  const total = page.data?.total ?? 0;

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
      {page.error && <ErrorMessage error={page.error} onRetry={page.reload} />}
      {!page.data && page.loading && <p className="muted">{t('common.loading')}</p>}
      {page.data && total === 0 && (
        <p className="empty" data-testid="deadletters-empty">
          {t('deadLetters.empty')}
        </p>
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
                    <td className="wrap" data-testid="deadletter-reason">
                      {item.reason}
                    </td>
                    <td className="mono wrap-anywhere">{item.position ?? t('common.none')}</td>
                    <td className="num">{fmt.bytes(item.size)}</td>
                    <td>
                      <Time value={item.receivedAt} />
                    </td>
                    <td>
                      <Time value={item.replayedAt} />
                    </td>
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

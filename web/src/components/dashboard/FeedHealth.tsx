// Each intel source: when it was last fetched, whether that went well, what it holds and what it could not read.
import { useTranslation } from 'react-i18next';
import type { FeedHealth as Feed } from '../../api-types/dashboard';
import { useApp } from '../../context';
import { Time } from '../Time';
import { Panel } from './Panel';

const STATUS_BADGE: Record<Feed['status'], string> = {
  ok: 'badge badge-live',
  held: 'badge badge-held',
  error: 'badge badge-critical',
  never: 'badge badge-disabled',
};

export function FeedHealth({ feeds }: { feeds: Feed[] }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  return (
    <Panel
      title={t('dashboard.feeds.title')}
      testId="dash-feeds"
      manage={{ href: '/sources', label: t('dashboard.feeds.manage') }}
      wide
    >
      {feeds.length === 0 ? (
        <p className="empty">{t('dashboard.feeds.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('dashboard.feeds.columns.source')}</th>
                <th scope="col">{t('dashboard.feeds.columns.lastRun')}</th>
                <th scope="col">{t('dashboard.feeds.columns.status')}</th>
                <th scope="col" className="num">
                  {t('dashboard.feeds.columns.claims')}
                </th>
                <th scope="col" className="num">
                  {t('dashboard.feeds.columns.rejected')}
                </th>
                <th scope="col" className="num">
                  {t('dashboard.feeds.columns.deadLetters')}
                </th>
              </tr>
            </thead>
            <tbody>
              {feeds.map((f) => (
                <tr key={f.name} data-testid={`dash-feed-${f.name}`}>
                  <td className="mono">{f.name}</td>
                  <td>
                    <Time value={f.lastRunAt} />
                  </td>
                  <td className="wrap">
                    <span className={STATUS_BADGE[f.status]} data-testid="dash-feed-status">
                      {t(`dashboard.feeds.status.${f.status}`)}
                    </span>
                    {f.held && (
                      <span className="muted small dash-detail">
                        {t('dashboard.feeds.held', {
                          wouldRetire: fmt.number(f.held.wouldRetire),
                          of: fmt.number(f.held.of),
                        })}
                      </span>
                    )}
                    {f.error && <span className="dash-detail dash-error">{f.error}</span>}
                  </td>
                  <td className="num" data-testid="dash-feed-total">
                    {fmt.number(f.total)}
                  </td>
                  <td className="num">{fmt.number(f.rejected)}</td>
                  <td className="num">{fmt.number(f.deadLetters)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

// The subscribers whose traffic met listed indicators most in the period, each a link to their sightings.
import { useTranslation } from 'react-i18next';
import type { TopSubscriber } from '../../api-types/dashboard';
import { useApp } from '../../context';
import { Panel } from './Panel';
import { RoleLink } from './RoleLink';

export function TopSubscribers({ items }: { items: TopSubscriber[] }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  return (
    <Panel title={t('dashboard.topSubscribers.title')} testId="dash-top-subscribers">
      {items.length === 0 ? (
        <p className="empty">{t('dashboard.topSubscribers.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('dashboard.topSubscribers.columns.subscriber')}</th>
                <th scope="col" className="num">
                  {t('dashboard.topSubscribers.columns.sightings')}
                </th>
                <th scope="col" className="num">
                  {t('dashboard.topSubscribers.columns.hits')}
                </th>
                <th scope="col" className="num">
                  {t('dashboard.topSubscribers.columns.indicators')}
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.subscriber} data-testid="dash-top-subscriber">
                  <td className="mono">
                    <RoleLink
                      href={`/sightings?subscriber=${encodeURIComponent(s.subscriber)}`}
                      testId="dash-subscriber-id"
                    >
                      {s.subscriber}
                    </RoleLink>
                  </td>
                  <td className="num" data-testid="dash-subscriber-sightings">
                    {fmt.number(s.sightings)}
                  </td>
                  <td className="num">{fmt.number(s.hits)}</td>
                  <td className="num">{fmt.number(s.indicators)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

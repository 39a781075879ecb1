// The indicators seen most in the period, each a link to its sightings.
import { useTranslation } from 'react-i18next';
import type { TopIndicator } from '../../api-types/dashboard';
import { useApp } from '../../context';
import { categoryLabel } from '../../sighting-terms';
import { Panel } from './Panel';
import { RoleLink } from './RoleLink';

export function TopIndicators({ items }: { items: TopIndicator[] }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  return (
    <Panel title={t('dashboard.topIndicators.title')} testId="dash-top-indicators">
      {items.length === 0 ? (
        <p className="empty">{t('dashboard.topIndicators.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('dashboard.topIndicators.columns.indicator')}</th>
                <th scope="col">{t('dashboard.topIndicators.columns.categories')}</th>
                <th scope="col" className="num">
                  {t('dashboard.topIndicators.columns.sightings')}
                </th>
                <th scope="col" className="num">
                  {t('dashboard.topIndicators.columns.clients')}
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={`${i.type}:${i.value}`} data-testid="dash-top-indicator">
                  <td className="wrap mono">
                    <RoleLink
                      href={`/sightings?indicator=${encodeURIComponent(i.value)}`}
                      testId="dash-indicator-value"
                    >
                      {i.value}
                    </RoleLink>
                  </td>
                  <td>{i.categories.map((c) => categoryLabel(c, t)).join(', ')}</td>
                  <td
                    className="num"
                    data-testid="dash-indicator-sightings"
                    title={t('dashboard.topIndicators.hitsTitle', { hits: fmt.number(i.hits) })}
                  >
                    {fmt.number(i.sightings)}
                  </td>
                  <td className="num">{fmt.number(i.clients)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

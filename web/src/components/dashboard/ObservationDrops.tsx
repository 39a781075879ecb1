// The observation inputs over the last hour: what they saw, what they could not read, what they had to drop.
import { useTranslation } from 'react-i18next';
import type { ObservationDrops as Drops } from '../../api-types/dashboard';
import { useApp } from '../../context';
import { Panel } from './Panel';

export function ObservationDrops({ inputs }: { inputs: Drops[] }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const reporting = inputs.filter((i) => i.observed > 0 || i.rejected > 0 || i.dropped > 0);
  return (
    <Panel
      title={t('dashboard.drops.title')}
      testId="dash-drops"
      manage={{ href: '/observation-inputs', label: t('dashboard.drops.manage') }}
    >
      {reporting.length === 0 ? (
        <p className="empty">{t('dashboard.drops.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('dashboard.drops.columns.input')}</th>
                <th scope="col" className="num">
                  {t('dashboard.drops.columns.observed')}
                </th>
                <th scope="col" className="num">
                  {t('dashboard.drops.columns.rejected')}
                </th>
                <th scope="col" className="num">
                  {t('dashboard.drops.columns.dropped')}
                </th>
              </tr>
            </thead>
            <tbody>
              {reporting.map((i) => (
                <tr key={i.input} data-testid={`dash-drops-${i.input}`}>
                  <td className="mono">{i.input}</td>
                  <td className="num">{fmt.number(i.observed)}</td>
                  <td className={i.rejected > 0 ? 'num dash-error' : 'num'}>{fmt.number(i.rejected)}</td>
                  <td className={i.dropped > 0 ? 'num dash-error' : 'num'} data-testid="dash-drops-dropped">
                    {fmt.number(i.dropped)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}

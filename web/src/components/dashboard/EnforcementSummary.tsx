// Each enforcement point: block or shadow, the live version and a version waiting for approval (or that failed).
import { useTranslation } from 'react-i18next';
import type { EnforcementRow } from '../../api-types/dashboard';
import { useApp } from '../../context';
import { Panel } from './Panel';

const KNOWN_POINTS = ['rpz', 'squid', 'nftables', 'postfix'];
const PENDING = ['held', 'failed', 'rejected'] as const;

export function EnforcementSummary({ points }: { points: EnforcementRow[] }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const mode = (p: EnforcementRow) => (!p.enabled ? 'disabled' : p.monitor ? 'shadow' : 'block');
  return (
    <Panel
      title={t('dashboard.enforcement.title')}
      testId="dash-enforcement"
      manage={{ href: '/enforcement', label: t('dashboard.enforcement.manage') }}
    >
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('dashboard.enforcement.columns.point')}</th>
              <th scope="col">{t('dashboard.enforcement.columns.mode')}</th>
              <th scope="col">{t('dashboard.enforcement.columns.live')}</th>
              <th scope="col">{t('dashboard.enforcement.columns.pending')}</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => {
              const pending = p.pending && (PENDING as readonly string[]).includes(p.pending.status) ? p.pending : null;
              return (
                <tr key={p.point} data-testid={`dash-point-${p.point}`} className={p.enabled ? undefined : 'muted'}>
                  <td>{KNOWN_POINTS.includes(p.point) ? t(`enforce.points.${p.point as 'rpz'}.name`) : p.point}</td>
                  <td>
                    <span
                      className={`badge ${mode(p) === 'block' ? 'badge-enabled' : mode(p) === 'shadow' ? 'badge-monitor' : 'badge-disabled'}`}
                      data-testid="dash-point-mode"
                    >
                      {t(`dashboard.enforcement.modes.${mode(p)}`)}
                    </span>
                  </td>
                  <td data-testid="dash-point-live">
                    {p.live
                      ? t('dashboard.enforcement.live', {
                          version: p.live.version,
                          entries: fmt.number(p.live.entries),
                        })
                      : t('dashboard.enforcement.noLive')}
                  </td>
                  <td data-testid="dash-point-pending">
                    {pending ? (
                      <span className={pending.status === 'held' ? 'badge badge-held' : 'badge badge-critical'}>
                        {t(`dashboard.enforcement.pending.${pending.status as (typeof PENDING)[number]}`, {
                          version: pending.version,
                        })}
                      </span>
                    ) : (
                      <span className="muted">{t('dashboard.enforcement.none')}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}

// Settings → policy: for each category of indicator and each enforcement point, whether it blocks, is only logged
// (monitor) or is not carried there, and which rule of the configuration decided it. Read-only: the policy lives in
// the YAML configuration, which stays the one reviewed record of it (see settings.policy.readOnly).
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { EffectivePolicy, PolicyEffect } from '../../api-types/admin';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useApi } from '../../hooks';
import { categoryLabel } from '../../sighting-terms';
import '../../styles/admin.css';

const POINTS = ['rpz', 'squid', 'nftables', 'postfix'] as const;

function pointName(point: string, t: TFunction): string {
  return (POINTS as readonly string[]).includes(point)
    ? t(`settings.policy.pointNames.${point as (typeof POINTS)[number]}`)
    : point;
}

const EFFECT_CLASS: Record<PolicyEffect, string> = {
  block: 'badge badge-blocked',
  monitor: 'badge badge-monitored',
  'not-carried': 'badge badge-disabled',
};

export function PolicyTab() {
  const { t } = useTranslation();
  const policy = useApi<EffectivePolicy>('/api/policy');
  const data = policy.data;

  return (
    <div className="settings-panel" data-testid="policy-tab">
      <p className="muted intro">{t('settings.policy.intro')}</p>
      <div className="alert alert-info alert-block" role="note" data-testid="policy-read-only">
        {t('settings.policy.readOnly')}
      </div>
      {policy.error && <ErrorMessage error={policy.error} onRetry={policy.reload} />}
      {!data && policy.loading && <p className="muted">{t('common.loading')}</p>}
      {data?.monitorAll && (
        <div className="alert alert-warn" role="note">
          {t('settings.policy.monitorAll')}
        </div>
      )}
      {data && (
        <div className="table-wrap">
          <table className="table policy-table" data-testid="policy-table">
            <thead>
              <tr>
                <th scope="col">{t('settings.policy.category')}</th>
                <th scope="col">{t('settings.policy.categoryPolicy')}</th>
                {data.points.map((point) => (
                  <th scope="col" key={point.point} data-testid={`policy-point-${point.point}`}>
                    {pointName(point.point, t)}
                    <span className="block small muted">
                      {!point.enabled
                        ? t('settings.policy.pointState.disabled')
                        : point.monitor
                          ? t('settings.policy.pointState.monitor')
                          : t('settings.policy.pointState.enabled')}
                    </span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.categories.map(({ category, action }) => (
                <tr key={category} data-testid="policy-row" data-category={category}>
                  <th scope="row">{categoryLabel(category, t)}</th>
                  <td>{t(`settings.policy.actions.${action}`)}</td>
                  {data.points.map((point) => {
                    const cell = point.cells.find((c) => c.category === category);
                    if (!cell) return <td key={point.point}>{t('common.none')}</td>;
                    return (
                      <td key={point.point} data-testid={`policy-cell-${point.point}`}>
                        <span className={EFFECT_CLASS[cell.effect]}>{t(`settings.policy.effects.${cell.effect}`)}</span>
                        <span className="block small muted policy-reason">
                          {t(`settings.policy.reasons.${cell.reason}`)}
                        </span>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && (
        <section className="section">
          <h2>{t('settings.policy.sourcesTitle')}</h2>
          <p className="muted intro">{t('settings.policy.sourcesIntro')}</p>
          {data.sources.length === 0 ? (
            <p className="empty">{t('settings.policy.sourcesEmpty')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="policy-sources">
                <thead>
                  <tr>
                    <th>{t('settings.policy.sourceColumns.source')}</th>
                    <th>{t('settings.policy.sourceColumns.mode')}</th>
                    <th>{t('settings.policy.sourceColumns.override')}</th>
                    <th>{t('settings.policy.sourceColumns.effect')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.sources.map((s) => (
                    <tr key={s.source}>
                      <td className="mono">{s.source}</td>
                      <td>{s.mode ? t(`settings.policy.actions.${s.mode}`) : t('settings.policy.notConfigured')}</td>
                      <td>{s.override ? t(`settings.policy.actions.${s.override}`) : t('common.none')}</td>
                      <td>
                        <span className={EFFECT_CLASS[s.effect]}>{t(`settings.policy.effects.${s.effect}`)}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
    </div>
  );
}

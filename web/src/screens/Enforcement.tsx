// Enforcement: the open alerts, then one card per network point (RPZ, Squid, nftables, Postfix) with its live version,
// and — when the latest version was held by a guard or refused by the device — why, what the change is, and for
// analysts and administrators the buttons to approve it or publish now, and the point's shadow/block switch.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import type {
  EnforceStatusWithModes,
  EnforcePointWithMode,
  PointModeChanged,
  PointModeName,
} from '../api-types/enforce-mode';
import { describeCheck, PendingPanel } from '../components/EnforcePending';
import { EnforceModeSwitch } from '../components/EnforceModeSwitch';
import { ErrorMessage } from '../components/ErrorMessage';
import { Time } from '../components/Time';
import { useApp } from '../context';
import type { Formatters } from '../format';
import { useApi, type ApiState } from '../hooks';
import type { Alert, AlertList, EnforcePoint, PublishOutcome, Role } from '../types';

/** Roles with system.operate on the server (src/domain/roles.ts): they may publish and approve. */
const OPERATOR_ROLES: readonly Role[] = ['analyst', 'admin'];
const KNOWN_POINTS: readonly EnforcePoint[] = ['rpz', 'squid', 'nftables', 'postfix'];

function isKnownPoint(point: string): point is EnforcePoint {
  return (KNOWN_POINTS as readonly string[]).includes(point);
}

function pointName(point: string, t: TFunction): string {
  return isKnownPoint(point) ? t(`enforce.points.${point}.name`) : point;
}

type Notice = { tone: 'ok' | 'warn' | 'error'; text: string };

function describeOutcome(o: PublishOutcome, t: TFunction, fmt: Formatters): Notice {
  const point = pointName(o.point, t);
  const version = o.version ?? t('common.none');
  switch (o.status) {
    case 'unchanged':
      return { tone: 'ok', text: t('enforce.outcome.unchanged', { point, version }) };
    case 'live':
      return {
        tone: 'ok',
        text: t('enforce.outcome.live', {
          point,
          version,
          entries: fmt.number(o.entries),
          added: fmt.number(o.diff.added),
          removed: fmt.number(o.diff.removed),
        }),
      };
    case 'held': {
      const reasons = o.checks
        .filter((c) => !c.ok)
        .map((c) => describeCheck(c, t, fmt).detail)
        .join(' ');
      return { tone: 'warn', text: t('enforce.outcome.held', { point, version, reasons }) };
    }
    case 'failed':
      return { tone: 'error', text: t('enforce.outcome.failed', { point, version, error: o.error ?? '' }) };
  }
}

function AlertsSection({ alerts }: { alerts: ApiState<AlertList> }) {
  const { t } = useTranslation();
  const items = alerts.data?.items ?? [];
  return (
    <section className="section section-first" data-testid="enforce-alerts">
      <div className="section-header">
        <h2>{t('enforce.alertsTitle')}</h2>
        {items.length > 0 && <span className="badge badge-warning">{items.length}</span>}
      </div>
      {alerts.error && <ErrorMessage error={alerts.error} onRetry={alerts.reload} />}
      {alerts.data && items.length === 0 && <p className="muted">{t('enforce.noAlerts')}</p>}
      {items.length > 0 && (
        <ul className="alert-list">
          {items.map((alert: Alert) => (
            <li
              key={alert.id}
              className={`alert-item${alert.severity === 'critical' ? ' alert-item-critical' : ''}`}
              data-testid="enforce-alert"
            >
              <span className={`badge badge-${alert.severity}`}>
                {t(`enforce.severities.${alert.severity as 'info' | 'warning' | 'critical'}`, {
                  defaultValue: alert.severity,
                })}
              </span>
              <span className="alert-item-text">{alert.text}</span>
              <span className="muted small">
                <Time value={alert.updatedAt} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface PointCardProps {
  item: EnforcePointWithMode;
  canOperate: boolean;
  busy: string | null;
  generation: number;
  onPublish(point: string): void;
  onApprove(point: string, version: number): void;
  onSwitchMode(point: string, mode: PointModeName, reason: string): Promise<boolean>;
}

function PointCard({ item, canOperate, busy, generation, onPublish, onApprove, onSwitchMode }: PointCardProps) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const { point, live, pending } = item;
  const attention = pending !== null && (pending.status === 'held' || pending.status === 'failed');
  const classes = [
    'point',
    item.enabled ? '' : 'point-disabled',
    pending?.status === 'failed' ? 'point-failed' : attention ? 'point-attention' : '',
  ].filter(Boolean);

  return (
    <article className={classes.join(' ')} data-testid={`enforce-point-${point}`}>
      <header className="point-head">
        <h2>{pointName(point, t)}</h2>
        <span
          className={`badge ${item.enabled ? 'badge-enabled' : 'badge-disabled'}`}
          data-testid={`enforce-${point}-enabled`}
        >
          {item.enabled ? t('enforce.enabled') : t('enforce.disabled')}
        </span>
        {item.monitor && (
          <span
            className="badge badge-monitor"
            title={t('enforce.monitorHint')}
            data-testid={`enforce-${point}-monitor`}
          >
            {t('enforce.monitor')}
          </span>
        )}
        {pending && (
          <span className={`badge badge-${pending.status}`} data-testid={`enforce-${point}-pending-status`}>
            {t(`enforce.statuses.${pending.status}`, { defaultValue: pending.status })}
          </span>
        )}
        {canOperate && item.enabled && (
          <div className="page-actions">
            <button
              type="button"
              className="button button-small"
              disabled={busy !== null}
              onClick={() => onPublish(point)}
              data-testid={`enforce-${point}-publish`}
            >
              {busy === point ? t('enforce.working') : t('enforce.publish')}
            </button>
          </div>
        )}
      </header>
      <p className="point-description muted">{isKnownPoint(point) ? t(`enforce.points.${point}.description`) : null}</p>
      {item.monitor && <p className="small muted">{t('enforce.monitorHint')}</p>}
      {!item.enabled && <p className="small muted">{t('enforce.disabledHint', { point })}</p>}
      {item.enabled && (
        <EnforceModeSwitch
          point={point}
          pointLabel={pointName(point, t)}
          mode={item.mode}
          canOperate={canOperate}
          busy={busy !== null}
          onSwitch={(mode, reason) => onSwitchMode(point, mode, reason)}
        />
      )}

      {(item.enabled || live) && (
        <dl className="facts">
          <div>
            <dt>{t('enforce.fields.live')}</dt>
            <dd data-testid={`enforce-${point}-live`}>
              {live ? t('enforce.version', { version: live.version }) : t('enforce.notPublished')}
            </dd>
          </div>
          <div>
            <dt>{t('enforce.fields.serial')}</dt>
            <dd className="mono" data-testid={`enforce-${point}-serial`}>
              {live?.serial ?? t('common.none')}
            </dd>
          </div>
          <div>
            <dt>{t('enforce.fields.entries')}</dt>
            <dd data-testid={`enforce-${point}-entries`}>{fmt.number(live?.entries)}</dd>
          </div>
          <div>
            <dt>{t('enforce.fields.publishedAt')}</dt>
            <dd>
              <Time value={live?.publishedAt} />
            </dd>
          </div>
          {live?.approvedBy && (
            <div>
              <dt>{t('enforce.fields.approvedBy')}</dt>
              <dd data-testid={`enforce-${point}-approved-by`}>{live.approvedBy}</dd>
            </div>
          )}
        </dl>
      )}

      {pending && (
        <PendingPanel
          item={{ ...item, pending }}
          canOperate={canOperate}
          busy={busy !== null}
          generation={generation}
          onApprove={(version) => onApprove(point, version)}
        />
      )}
    </article>
  );
}

export function Enforcement() {
  const { t, i18n } = useTranslation();
  const { user, fmt } = useApp();
  const status = useApi<EnforceStatusWithModes>('/api/enforce/status');
  const alerts = useApi<AlertList>('/api/alerts');
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<PublishOutcome>();
  const [actionError, setActionError] = useState<ApiError>();
  const [generation, setGeneration] = useState(0);
  const canOperate = OPERATOR_ROLES.includes(user.role);

  // Alert texts come from the server in the request's language: fetch them again when the language changes.
  const { reload: reloadAlerts } = alerts;
  const { reload: reloadStatus } = status;
  const language = i18n.resolvedLanguage;
  const shownLanguage = useRef(language);
  useEffect(() => {
    if (shownLanguage.current === language) return;
    shownLanguage.current = language;
    reloadAlerts();
  }, [language, reloadAlerts]);

  const reload = useCallback(() => {
    reloadStatus();
    reloadAlerts();
    setGeneration((g) => g + 1);
  }, [reloadStatus, reloadAlerts]);

  const act = async (point: string, action: 'publish' | 'approve') => {
    setBusy(point);
    setOutcome(undefined);
    setActionError(undefined);
    try {
      setOutcome(await api.post<PublishOutcome>(`/api/enforce/${encodeURIComponent(point)}/${action}`));
    } catch (err) {
      setActionError(toApiError(err));
    } finally {
      setBusy(null);
      reload();
    }
  };

  const switchMode = async (point: string, mode: PointModeName, reason: string): Promise<boolean> => {
    setBusy(point);
    setOutcome(undefined);
    setActionError(undefined);
    try {
      const changed = await api.post<PointModeChanged>(`/api/enforce/${encodeURIComponent(point)}/mode`, {
        mode,
        reason,
      });
      setOutcome(changed.outcome);
      return true;
    } catch (err) {
      setActionError(toApiError(err));
      return false;
    } finally {
      setBusy(null);
      reload();
    }
  };

  const approve = (point: string, version: number) => {
    if (!window.confirm(t('enforce.confirmApprove', { version, point: pointName(point, t) }))) return;
    void act(point, 'approve');
  };

  const notice = outcome && describeOutcome(outcome, t, fmt);

  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="enforce-title">{t('enforce.title')}</h1>
        <div className="page-actions">
          <button type="button" className="button" onClick={reload} disabled={status.loading}>
            {t('common.refresh')}
          </button>
        </div>
      </header>
      <p className="muted intro">{t('enforce.intro')}</p>

      {notice && (
        <div
          className={`alert alert-block ${notice.tone === 'ok' ? 'alert-ok' : notice.tone === 'warn' ? 'alert-warn' : 'alert-error'}`}
          role={notice.tone === 'ok' ? 'status' : 'alert'}
          data-testid="enforce-outcome"
        >
          {notice.text}
        </div>
      )}
      {actionError && <ErrorMessage error={actionError} testId="enforce-action-error" />}

      <AlertsSection alerts={alerts} />

      <section className="section">
        {status.error && <ErrorMessage error={status.error} onRetry={status.reload} />}
        {!status.data && status.loading && <p className="muted">{t('common.loading')}</p>}
        {status.data && (
          <div className={`points${status.loading ? ' table-loading' : ''}`} data-testid="enforce-points">
            {status.data.items.map((item) => (
              <PointCard
                key={item.point}
                item={item}
                canOperate={canOperate}
                busy={busy}
                generation={generation}
                onPublish={(point) => void act(point, 'publish')}
                onApprove={approve}
                onSwitchMode={switchMode}
              />
            ))}
          </div>
        )}
      </section>
    </div>
  );
}

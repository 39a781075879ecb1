// The shadow/block switch of one enforcement point: its effective mode and where that comes from (the config, the
// config's every-point monitor, or the console: who, when, why), and for roles with system.operate the two buttons
// "Block" and "Shadow (log only)"; choosing the other mode asks for the reason before anything is sent.
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { PointMode, PointModeName } from '../api-types/enforce-mode';
import { Time } from './Time';
import '../styles/enforce-mode.css';

interface Props {
  point: string;
  pointLabel: string;
  mode: PointMode;
  canOperate: boolean;
  busy: boolean;
  onSwitch(mode: PointModeName, reason: string): Promise<boolean>;
}

const MODES: readonly PointModeName[] = ['block', 'monitor'];

export function EnforceModeSwitch({ point, pointLabel, mode, canOperate, busy, onSwitch }: Props) {
  const { t } = useTranslation();
  const [asked, setAsked] = useState<PointModeName | null>(null);
  const [reason, setReason] = useState('');
  const reasonId = useId();
  // The console's choice, which is what the buttons show pressed; enforce.monitor may still override it.
  const chosen = mode.override?.mode ?? mode.configured;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!asked || reason.trim() === '') return;
    if (await onSwitch(asked, reason.trim())) {
      setAsked(null);
      setReason('');
    }
  };

  return (
    <section className="mode-switch" aria-label={t('enforce.mode.title')} data-testid={`enforce-${point}-mode`}>
      <div className="mode-switch-row">
        <strong>{t('enforce.mode.title')}</strong>
        <span
          className={`badge ${mode.mode === 'monitor' ? 'badge-monitor' : 'badge-enabled'}`}
          data-testid={`enforce-${point}-mode-current`}
        >
          {t(`enforce.mode.names.${mode.mode}`)}
        </span>
        {canOperate && (
          <div className="mode-switch-buttons" role="group" aria-label={t('enforce.mode.switchLabel')}>
            {MODES.map((m) => (
              <button
                key={m}
                type="button"
                className="button button-small"
                aria-pressed={chosen === m}
                disabled={busy || chosen === m}
                onClick={() => {
                  setAsked(m);
                  setReason('');
                }}
                data-testid={`enforce-${point}-mode-${m}`}
              >
                {t(`enforce.mode.names.${m}`)}
              </button>
            ))}
          </div>
        )}
      </div>
      <p className="mode-switch-origin small muted" data-testid={`enforce-${point}-mode-origin`}>
        {mode.origin === 'config-all' && t('enforce.mode.origin.configAll')}
        {mode.origin === 'config' && t('enforce.mode.origin.config', { point })}
        {mode.origin === 'console' && mode.override && (
          <>
            {t('enforce.mode.origin.console', { by: mode.override.changedBy })} <Time value={mode.override.changedAt} />
            {' — '}
            {t('enforce.mode.origin.reason', { reason: mode.override.reason })}
          </>
        )}
      </p>
      {mode.origin === 'config-all' && mode.override && (
        <p className="small muted" data-testid={`enforce-${point}-mode-waiting`}>
          {t('enforce.mode.origin.overriddenByAll', {
            mode: t(`enforce.mode.names.${mode.override.mode}`),
            by: mode.override.changedBy,
          })}
        </p>
      )}
      {canOperate && asked && (
        <form className="mode-switch-form" onSubmit={(e) => void submit(e)} data-testid={`enforce-${point}-mode-form`}>
          <label className="field" htmlFor={reasonId}>
            <span>{t('enforce.mode.reasonLabel', { point: pointLabel, mode: t(`enforce.mode.names.${asked}`) })}</span>
          </label>
          <input
            id={reasonId}
            type="text"
            value={reason}
            required
            maxLength={500}
            autoFocus
            onChange={(e) => setReason(e.target.value)}
            data-testid={`enforce-${point}-mode-reason`}
          />
          <p className="small muted">
            {asked === 'monitor' ? t('enforce.mode.monitorEffect') : t('enforce.mode.blockEffect')}
          </p>
          <div className="form-actions">
            <button
              type="submit"
              className="button button-primary button-small"
              disabled={busy || reason.trim() === ''}
              data-testid={`enforce-${point}-mode-submit`}
            >
              {busy ? t('enforce.working') : t('enforce.mode.submit', { mode: t(`enforce.mode.names.${asked}`) })}
            </button>
            <button type="button" className="button button-small" onClick={() => setAsked(null)}>
              {t('enforce.mode.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

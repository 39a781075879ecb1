// The panel under an enforcement point whose latest version did not go live: why (the failing guards or the device's
// error), what the change is (the point's diff, fetched), and for operators the "Approve and publish" button.
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import type { Formatters } from '../format';
import { useApi } from '../hooks';
import type { EnforceDiff, EnforcePointStatus, EnforceVersion, GuardCheck } from '../types';
import { ErrorMessage } from './ErrorMessage';
import { Time } from './Time';

/**
 * A guard check in the operator's language. The server explains each check in English with the numbers in it; for
 * the checks we know, the numbers are read out and put in a localised sentence. Anything else is shown as sent.
 */
export function describeCheck(check: GuardCheck, t: TFunction, fmt: Formatters): { label: string; detail: string } {
  const percent = (value: string) => `${fmt.number(Number(value), 1)}%`;
  switch (check.name) {
    case 'change-share': {
      const m = /^(\d+) of (\d+) entries change \(([\d.]+)%; limit ([\d.]+)%\)$/.exec(check.detail);
      return {
        label: t('enforce.checks.changeShare'),
        detail: m
          ? t('enforce.checks.changeShareDetail', {
              changed: fmt.number(Number(m[1])),
              before: fmt.number(Number(m[2])),
              share: percent(m[3]!),
              limit: percent(m[4]!),
            })
          : check.detail,
      };
    }
    case 'removals': {
      const m = /^(\d+) removals \(limit (\d+)\)$/.exec(check.detail);
      return {
        label: t('enforce.checks.removals'),
        detail: m
          ? t('enforce.checks.removalsDetail', { removed: fmt.number(Number(m[1])), limit: fmt.number(Number(m[2])) })
          : check.detail,
      };
    }
    case 'never-publish': {
      const m = /^(\d+) entries kept out/.exec(check.detail);
      return {
        label: t('enforce.checks.neverPublish'),
        detail: m ? t('enforce.diff.stopped', { count: fmt.number(Number(m[1])) }) : check.detail,
      };
    }
    default:
      return { label: check.name, detail: check.detail };
  }
}

function Examples(props: { title: string; items: string[]; total: number; testId: string }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  if (props.total === 0) return null;
  return (
    <div>
      <h4>{props.title}</h4>
      <ul className="mono" data-testid={props.testId}>
        {props.items.map((item) => (
          <li key={item}>{item}</li>
        ))}
        {props.total > props.items.length && (
          <li className="muted">{t('enforce.diff.more', { count: fmt.number(props.total - props.items.length) })}</li>
        )}
      </ul>
    </div>
  );
}

/** What the next publish of the point would change (for a held version: the change that is held). */
function DiffView({ point }: { point: string }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const diff = useApi<EnforceDiff>(`/api/enforce/${encodeURIComponent(point)}/diff`);
  const d = diff.data;
  return (
    <section data-testid={`enforce-${point}-diff`}>
      <h4>{t('enforce.diff.title')}</h4>
      {diff.error && <ErrorMessage error={diff.error} onRetry={diff.reload} />}
      {!d && diff.loading && <p className="muted">{t('common.loading')}</p>}
      {d && (
        <>
          <p data-testid={`enforce-${point}-diff-counts`}>
            {d.added + d.removed === 0
              ? t('enforce.diff.nothing')
              : t('enforce.diff.counts', {
                  before: fmt.number(d.before),
                  after: fmt.number(d.after),
                  added: fmt.number(d.added),
                  removed: fmt.number(d.removed),
                })}
          </p>
          <div className="examples">
            <Examples
              title={t('enforce.diff.added')}
              items={d.addedExamples}
              total={d.added}
              testId={`enforce-${point}-added`}
            />
            <Examples
              title={t('enforce.diff.removed')}
              items={d.removedExamples}
              total={d.removed}
              testId={`enforce-${point}-removed`}
            />
          </div>
          {d.stopped > 0 && (
            <>
              <h4>{t('enforce.diff.stopped', { count: fmt.number(d.stopped) })}</h4>
              <ul className="mono small">
                {d.stoppedExamples.map((s) => (
                  <li key={`${s.type}:${s.value}`}>
                    {s.value} <span className="muted">({s.rule})</span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}

function title(version: EnforceVersion, t: TFunction): string {
  if (version.status === 'held') return t('enforce.pending.heldTitle', { version: version.version });
  if (version.status === 'failed') return t('enforce.pending.failedTitle', { version: version.version });
  return t('enforce.pending.otherTitle', {
    version: version.version,
    status: t(`enforce.statuses.${version.status}`, { defaultValue: version.status }),
  });
}

export interface PendingPanelProps {
  item: EnforcePointStatus & { pending: EnforceVersion };
  canOperate: boolean;
  busy: boolean;
  /** Changes after every action, so the diff is fetched again. */
  generation: number;
  onApprove(version: number): void;
}

export function PendingPanel({ item, canOperate, busy, generation, onApprove }: PendingPanelProps) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const pending = item.pending;
  const point = item.point;
  const failing = pending.checks.filter((c) => !c.ok);
  const held = pending.status === 'held';

  return (
    <section
      className={`pending${held ? '' : ' pending-failed'}`}
      role="region"
      aria-label={title(pending, t)}
      data-testid={`enforce-${point}-pending`}
    >
      <h3>{title(pending, t)}</h3>
      <p>{held ? t('enforce.pending.heldIntro') : t('enforce.pending.failedIntro')}</p>
      <p className="muted small">
        {t('enforce.pending.createdAt')}: <Time value={pending.createdAt} /> ·{' '}
        {t('enforce.pending.counts', {
          entries: fmt.number(pending.entries),
          added: fmt.number(pending.added),
          removed: fmt.number(pending.removed),
        })}
      </p>

      <h4>{t('enforce.pending.why')}</h4>
      <div data-testid={`enforce-${point}-reason`}>
        {pending.error && <p className="pending-error mono">{pending.error}</p>}
        {(failing.length > 0 || !pending.error) && (
          <ul className="checks">
            {(failing.length > 0 ? failing : pending.checks).map((check) => {
              const { label, detail } = describeCheck(check, t, fmt);
              return (
                <li key={check.name} className={check.ok ? 'check-ok' : 'check-failed'}>
                  {label} ({check.ok ? t('enforce.checks.ok') : t('enforce.checks.failed')}): {detail}
                </li>
              );
            })}
          </ul>
        )}
      </div>

      {item.enabled && <DiffView key={`${pending.version}-${generation}`} point={point} />}

      {held && item.enabled && (
        <div className="pending-actions">
          {canOperate ? (
            <button
              type="button"
              className="button button-primary"
              disabled={busy}
              onClick={() => onApprove(pending.version)}
              data-testid={`enforce-${point}-approve`}
            >
              {busy ? t('enforce.working') : t('enforce.approve')}
            </button>
          ) : (
            <span className="muted">{t('enforce.pending.operatorOnly')}</span>
          )}
        </div>
      )}
    </section>
  );
}

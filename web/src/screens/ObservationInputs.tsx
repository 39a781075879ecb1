// Observation inputs: the logs and streams Mizugiwa reads, how far each has got and what it saw in the last hour (from
// the store, so it works beside a CLI replay too), and the running server's own counters when it runs the inputs.
// Errors and drops are what an operator must act on, so they stand out when not zero. Holds no traffic: every role.
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../components/ErrorMessage';
import { Time } from '../components/Time';
import { useApp } from '../context';
import { useApi } from '../hooks';
import type { LiveInputStatus, ObserveStatus, StoredInputState } from '../types';

const INPUT_TYPES = ['file', 'dnstap', 'syslog', 'replay', 'sinkhole'] as const;

/** A count that is bad news when not zero: errors (unreadable lines) and drops (observations lost). */
function Trouble({ value, kind, testId }: { value: number; kind: 'error' | 'drop'; testId?: string }) {
  const { fmt } = useApp();
  const className = value === 0 ? 'num' : `num ${kind === 'error' ? 'count-error' : 'count-warn'}`;
  return (
    <td className={className} data-testid={testId} data-trouble={value === 0 ? undefined : kind}>
      {fmt.number(value)}
    </td>
  );
}

/** The file an input reads and how far: line and byte offset, and when the store last recorded it. */
function Position({ position }: { position: StoredInputState['position'] | LiveInputStatus['position'] }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  if (!position) return <>{t('common.none')}</>;
  return (
    <>
      <span className="mono">{position.path}</span>
      <span className="muted small block">
        {t('observe.position', { line: fmt.number(position.line), offset: fmt.bytes(position.offset) })}
        {'updatedAt' in position && (
          <>
            {' · '}
            <Time value={position.updatedAt} />
          </>
        )}
      </span>
    </>
  );
}

function StoredTable({ inputs }: { inputs: StoredInputState[] }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  return (
    <div className="table-wrap">
      <table className="table" data-testid="observe-inputs-table">
        <thead>
          <tr>
            <th rowSpan={2}>{t('observe.columns.input')}</th>
            <th rowSpan={2}>{t('observe.columns.type')}</th>
            <th rowSpan={2}>{t('observe.columns.format')}</th>
            <th rowSpan={2}>{t('observe.columns.position')}</th>
            <th rowSpan={2} className="num">
              {t('observe.columns.behind')}
            </th>
            <th rowSpan={2} className="num">
              {t('observe.columns.rate')}
            </th>
            <th colSpan={4} className="group">
              {t('observe.lastHour')}
            </th>
          </tr>
          <tr>
            <th className="num">{t('observe.columns.seen')}</th>
            <th className="num">{t('observe.columns.matched')}</th>
            <th className="num">{t('observe.columns.errors')}</th>
            <th className="num">{t('observe.columns.dropped')}</th>
          </tr>
        </thead>
        <tbody>
          {inputs.map((i) => (
            <tr key={i.input} data-testid={`observe-input-${i.input}`}>
              <td className="mono">{i.input}</td>
              <td>
                {(INPUT_TYPES as readonly string[]).includes(i.type)
                  ? t(`observe.types.${i.type as (typeof INPUT_TYPES)[number]}`)
                  : i.type}
              </td>
              <td className="mono">{i.format}</td>
              <td className="wrap" data-testid="observe-position">
                <Position position={i.position} />
              </td>
              <td className="num" data-testid="observe-behind">
                {fmt.bytes(i.behindBytes)}
              </td>
              <td className="num">{t('observe.perSecond', { rate: fmt.number(i.ratePerSecond, 1) })}</td>
              <td className="num">{fmt.number(i.lastHour.observed)}</td>
              <td className="num">{fmt.number(i.lastHour.matched)}</td>
              <Trouble value={i.lastHour.rejected} kind="error" testId="observe-errors" />
              <Trouble value={i.lastHour.dropped} kind="drop" testId="observe-dropped" />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LiveTable({ live }: { live: LiveInputStatus[] }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  return (
    <div className="table-wrap">
      <table className="table" data-testid="observe-live-table">
        <thead>
          <tr>
            <th>{t('observe.columns.input')}</th>
            <th>{t('observe.columns.format')}</th>
            <th className="num">{t('observe.columns.units')}</th>
            <th className="num">{t('observe.columns.bytes')}</th>
            <th className="num">{t('observe.columns.seen')}</th>
            <th className="num">{t('observe.columns.matched')}</th>
            <th className="num">{t('observe.columns.errors')}</th>
            <th className="num">{t('observe.columns.dropped')}</th>
            <th className="num">{t('observe.columns.rate')}</th>
            <th>{t('observe.columns.position')}</th>
            <th>{t('observe.columns.lastAt')}</th>
          </tr>
        </thead>
        <tbody>
          {live.map((i) => (
            <tr key={i.input} data-testid={`observe-live-${i.input}`}>
              <td className="mono">{i.input}</td>
              <td className="mono">{i.format}</td>
              <td className="num">{fmt.number(i.units)}</td>
              <td className="num">{fmt.bytes(i.bytes)}</td>
              <td className="num">{fmt.number(i.observed)}</td>
              <td className="num">{fmt.number(i.matched)}</td>
              <Trouble value={i.rejected} kind="error" />
              <Trouble value={i.dropped} kind="drop" />
              <td className="num">{t('observe.perSecond', { rate: fmt.number(i.rate, 1) })}</td>
              <td className="wrap">
                <Position position={i.position} />
              </td>
              <td>
                <Time value={i.lastAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ObservationInputs() {
  const { t } = useTranslation();
  // While this server runs the inputs the numbers move: follow them as the jobs screen follows a running job.
  const status = useApi<ObserveStatus>('/api/observe/status', { pollWhile: (s) => s.live !== null });
  const inputs = status.data?.inputs ?? [];
  const live = status.data?.live ?? null;

  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="observe-title">{t('observe.title')}</h1>
        <div className="page-actions">
          {status.polling && (
            <span className="muted live" aria-live="polite">
              {t('jobs.polling')}
            </span>
          )}
          <button type="button" className="button" onClick={status.reload} disabled={status.loading}>
            {t('common.refresh')}
          </button>
        </div>
      </header>
      <p className="muted intro">{t('observe.intro')}</p>
      {status.error && <ErrorMessage error={status.error} onRetry={status.reload} />}
      {!status.data && status.loading && <p className="muted">{t('common.loading')}</p>}
      {status.data && inputs.length === 0 && (
        <p className="empty" data-testid="observe-empty">
          {t('observe.empty')}
        </p>
      )}
      {inputs.length > 0 && <StoredTable inputs={inputs} />}
      {status.data && (
        <section className="section">
          <div className="section-header">
            <h2>{t('observe.liveTitle')}</h2>
          </div>
          {live === null || live.length === 0 ? (
            <p className="muted" data-testid="observe-no-live">
              {live === null ? t('observe.noLive') : t('observe.liveEmpty')}
            </p>
          ) : (
            <LiveTable live={live} />
          )}
        </section>
      )}
    </div>
  );
}

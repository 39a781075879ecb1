// Sources: one card per threat-intelligence feed with its schedule, counts, last run and last errors; "fetch now"
// starts a job and follows its progress; a held snapshot shows its diff and, for operators, the approve button.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import { ErrorMessage } from '../components/ErrorMessage';
import { FetchProgress } from '../components/FetchProgress';
import { HeldSnapshot } from '../components/HeldSnapshot';
import { Link } from '../components/Link';
import { Time } from '../components/Time';
import { useApp } from '../context';
import { useApi } from '../hooks';
import type { Role } from '../types';
import type { Source, SourceList } from '../api-types/intel';
import '../styles/intel.css';

/** Roles with system.operate on the server (src/domain/roles.ts): they may fetch and approve. */
const OPERATOR_ROLES: readonly Role[] = ['analyst', 'admin'];

type Notice = { tone: 'ok' | 'error'; text: string };

function SourceCard(props: {
  source: Source;
  canOperate: boolean;
  /** The fetch started here (followed after it ends, so its outcome stays on screen). */
  fetch: { id: number; active: boolean } | null;
  busy: boolean;
  onFetch(): void;
  onFetched(): void;
  onApprove(): void;
}) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const s = props.source;
  const id = (name: string) => `source-${s.name}-${name}`;
  const held = s.lastResult?.held ?? null;
  // The server knows of scheduled runs too; the one started here counts until its job ends.
  const running = (props.fetch?.active ? props.fetch.id : null) ?? s.runningJob;
  const followed = props.fetch?.id ?? s.runningJob;
  const classes = ['point', s.lastError ? 'point-failed' : held ? 'point-attention' : ''].filter(Boolean);

  return (
    <article className={classes.join(' ')} data-testid={id('card')}>
      <header className="point-head">
        <h2 className="mono">{s.name}</h2>
        <span className={`badge ${s.configured ? 'badge-enabled' : 'badge-disabled'}`}>
          {s.configured ? t('sources.configured') : t('sources.imported')}
        </span>
        <span className="badge">{t(`sources.snapshot.${s.snapshot}`)}</span>
        {s.mode === 'monitor' && <span className="badge badge-monitor">{t('sources.mode.monitor')}</span>}
        {held && (
          <span className="badge badge-held" data-testid={id('held-badge')}>
            {t('sources.held')}
          </span>
        )}
        {s.lastError && <span className="badge badge-failed">{t('sources.failed')}</span>}
        {props.canOperate && s.configured && (
          <div className="page-actions">
            <button
              type="button"
              className="button button-small"
              disabled={props.busy || running !== null}
              onClick={props.onFetch}
              data-testid={id('fetch')}
            >
              {running !== null ? t('sources.running') : t('sources.fetchNow')}
            </button>
          </div>
        )}
      </header>

      <dl className="facts">
        <div>
          <dt>{t('sources.fields.format')}</dt>
          <dd className="mono">{s.format}</dd>
        </div>
        <div>
          <dt>{t('sources.fields.location')}</dt>
          <dd className="mono intel-location">{s.location ?? t('common.none')}</dd>
        </div>
        {s.configured ? (
          <>
            <div>
              <dt>{t('sources.fields.schedule')}</dt>
              <dd className="mono">{s.schedule}</dd>
            </div>
            <div>
              <dt>{t('sources.fields.nextRun')}</dt>
              <dd>
                <Time value={s.nextRunAt} />
              </dd>
            </div>
          </>
        ) : (
          <div>
            <dt>{t('sources.fields.schedule')}</dt>
            <dd className="small muted">{t('sources.importedOnly')}</dd>
          </div>
        )}
        <div>
          <dt>{t('sources.fields.lastRun')}</dt>
          <dd>{s.lastRunAt ? <Time value={s.lastRunAt} /> : t('sources.never')}</dd>
        </div>
        <div>
          <dt>{t('sources.fields.claims')}</dt>
          <dd data-testid={id('total')}>{fmt.number(s.counts.total)}</dd>
        </div>
        <div>
          <dt>{t('sources.fields.effective')}</dt>
          <dd data-testid={id('effective')}>{fmt.number(s.counts.effective)}</dd>
        </div>
        <div>
          <dt>{t('sources.fields.suppressed')}</dt>
          <dd data-testid={id('suppressed')}>{fmt.number(s.counts.suppressed)}</dd>
        </div>
        <div>
          <dt>{t('sources.fields.expired')}</dt>
          <dd>{fmt.number(s.counts.expired)}</dd>
        </div>
        <div>
          <dt>{t('sources.fields.deadLetters')}</dt>
          <dd>
            {fmt.number(s.deadLetters)}
            {s.deadLetters > 0 && (
              <>
                {' '}
                <Link href="/dead-letters" className="small">
                  {t('sources.deadLettersLink')}
                </Link>
              </>
            )}
          </dd>
        </div>
      </dl>
      {s.lastResult && (
        <p className="small" data-testid={id('last-result')}>
          {t('sources.fields.lastResult')}:{' '}
          {t('sources.lastResult', {
            accepted: fmt.number(s.lastResult.accepted),
            suppressed: fmt.number(s.lastResult.suppressed),
            rejected: fmt.number(s.lastResult.rejected),
            retired: fmt.number(s.lastResult.retired),
            total: fmt.number(s.lastResult.total),
          })}
        </p>
      )}
      {s.lastError && (
        <p className="alert alert-error" data-testid={id('last-error')}>
          {t('sources.lastError', { error: s.lastError })}
        </p>
      )}
      {s.recentFailures.length > 0 && (
        <details className="small">
          <summary>{t('sources.failures')}</summary>
          <ul>
            {s.recentFailures.map((f) => (
              <li key={f.job}>{t('sources.failure', { job: f.job, at: fmt.dateTime(f.at), error: f.error })}</li>
            ))}
          </ul>
        </details>
      )}
      {followed !== null && (
        <FetchProgress key={followed} jobId={followed} testId={id('progress')} onFinished={props.onFetched} />
      )}
      {held && (
        <HeldSnapshot
          key={`${s.lastRunAt}`}
          source={s.name}
          canOperate={props.canOperate}
          busy={props.busy}
          onApprove={props.onApprove}
        />
      )}
    </article>
  );
}

export function Sources() {
  const { t } = useTranslation();
  const { user, fmt } = useApp();
  const canOperate = OPERATOR_ROLES.includes(user.role);
  const sources = useApi<SourceList>('/api/intel/sources');
  // The fetch each card follows: started here, kept after it ends so its outcome stays on screen.
  const [jobs, setJobs] = useState<Record<string, { id: number; active: boolean }>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice>();
  const [actionError, setActionError] = useState<ApiError>();

  const fetchNow = async (name: string) => {
    setBusy(name);
    setNotice(undefined);
    setActionError(undefined);
    try {
      const { jobId } = await api.post<{ jobId: number }>(`/api/intel/sources/${encodeURIComponent(name)}/fetch`);
      setJobs((j) => ({ ...j, [name]: { id: jobId, active: true } }));
    } catch (err) {
      setActionError(toApiError(err));
    } finally {
      setBusy(null);
    }
  };

  const approve = async (source: Source) => {
    const count = source.lastResult?.held?.wouldRetire ?? 0;
    if (!window.confirm(t('sources.heldPanel.confirmApprove', { count: fmt.number(count), name: source.name }))) return;
    setBusy(source.name);
    setNotice(undefined);
    setActionError(undefined);
    try {
      const r = await api.post<{ source: string; retired: number; total: number }>(
        `/api/intel/sources/${encodeURIComponent(source.name)}/approve`,
      );
      setNotice({
        tone: 'ok',
        text: t('sources.heldPanel.approved', {
          name: r.source,
          retired: fmt.number(r.retired),
          total: fmt.number(r.total),
        }),
      });
    } catch (err) {
      setActionError(toApiError(err));
    } finally {
      setBusy(null);
      sources.reload();
    }
  };

  const items = sources.data?.items ?? [];
  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="sources-title">{t('sources.title')}</h1>
        <div className="page-actions">
          <button type="button" className="button" onClick={sources.reload} disabled={sources.loading}>
            {t('common.refresh')}
          </button>
        </div>
      </header>
      <p className="muted intro">{t('sources.intro')}</p>
      {!canOperate && (
        <p className="small muted" data-testid="sources-read-only">
          {t('sources.readOnly')}
        </p>
      )}
      {notice && (
        <div
          className={`alert alert-block ${notice.tone === 'ok' ? 'alert-ok' : 'alert-error'}`}
          role="status"
          data-testid="sources-notice"
        >
          {notice.text}
        </div>
      )}
      {actionError && <ErrorMessage error={actionError} testId="sources-action-error" />}
      {sources.error && <ErrorMessage error={sources.error} onRetry={sources.reload} />}
      {!sources.data && sources.loading && <p className="muted">{t('common.loading')}</p>}
      {sources.data && items.length === 0 && <p className="muted">{t('sources.empty')}</p>}
      <div className="points intel-sources" data-testid="sources-list">
        {items.map((source) => (
          <SourceCard
            key={source.name}
            source={source}
            canOperate={canOperate}
            fetch={jobs[source.name] ?? null}
            busy={busy !== null}
            onFetch={() => void fetchNow(source.name)}
            onFetched={() => {
              setJobs((j) => {
                const mine = j[source.name];
                return mine ? { ...j, [source.name]: { ...mine, active: false } } : j;
              });
              sources.reload();
            }}
            onApprove={() => void approve(source)}
          />
        ))}
      </div>
    </div>
  );
}

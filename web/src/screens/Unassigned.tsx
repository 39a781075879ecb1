// The unassigned queue: events no subscriber could be found for, each with the reason, counted per reason. The desk
// looks them up again once the missing lease log or subscriber list is in ("retry attribution", with what came of
// it), or — when it knows who it was — gives an event to a subscriber by hand, for a reason.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import type { AbuseEvent, AssignResult, RetryResult, UnassignedQueue } from '../api-types/cases';
import { withQuery } from '../case-api';
import { ABUSE_WRITE, reasonLabel, UNASSIGNED_REASONS } from '../case-terms';
import { classLabel } from '../rsit-terms';
import { sourceText } from '../components/CaseEvents';
import { CaseEvidence } from '../components/CaseEvidence';
import { ErrorMessage } from '../components/ErrorMessage';
import { KeysetPager } from '../components/KeysetPager';
import { Link } from '../components/Link';
import { MIN_REASON } from '../components/ReasonForm';
import { Time } from '../components/Time';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { useKeysetCursors } from '../keyset-cursors';
import '../styles/cases.css';

const PAGE_SIZE = 50;

function AssignForm({ event, onDone }: { event: AbuseEvent; onDone(result: AssignResult): void }) {
  const { t } = useTranslation();
  const [subscriber, setSubscriber] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const ready = subscriber.trim() !== '' && reason.trim().length >= MIN_REASON && !busy;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(undefined);
    try {
      onDone(
        await api.post<AssignResult>(`/api/abuse/unassigned/${event.id}/assign`, {
          subscriber: subscriber.trim(),
          reason: reason.trim(),
        }),
      );
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="assign-form" onSubmit={submit} data-testid="assign-form">
      <p className="small">{t('unassigned.assign.explain', { id: event.id })}</p>
      <div className="access-fields">
        <label className="field-inline">
          <span className="field-inline-label">{t('unassigned.assign.subscriber')}</span>
          <input
            type="text"
            value={subscriber}
            maxLength={200}
            autoFocus
            onChange={(e) => setSubscriber(e.target.value)}
            data-testid="assign-subscriber"
          />
        </label>
        <label className="field-inline bulk-reason">
          <span className="field-inline-label">{t('unassigned.assign.reason')}</span>
          <input
            type="text"
            value={reason}
            maxLength={2000}
            placeholder={t('casePage.reason.hint')}
            onChange={(e) => setReason(e.target.value)}
            data-testid="assign-reason"
          />
        </label>
        <button
          type="submit"
          className="button button-primary button-small"
          disabled={!ready}
          data-testid="assign-confirm"
        >
          {busy ? t('casePage.working') : t('unassigned.assign.confirm')}
        </button>
      </div>
      {error && <ErrorMessage error={error} testId="assign-error" />}
    </form>
  );
}

export function Unassigned() {
  const { t } = useTranslation();
  const { user, fmt } = useApp();
  const canWrite = ABUSE_WRITE.includes(user.role);
  const [reason, setReason] = useState('');
  const cursors = useKeysetCursors();
  const { before } = cursors;
  const queue = useApi<UnassignedQueue>(withQuery('/api/abuse/unassigned', { reason, limit: PAGE_SIZE, before }));
  const [retrying, setRetrying] = useState(false);
  const [retried, setRetried] = useState<RetryResult>();
  const [error, setError] = useState<ApiError>();
  const [open, setOpen] = useState<{ id: number; what: 'assign' | 'evidence' } | null>(null);
  const [assigned, setAssigned] = useState<AssignResult>();
  const events = queue.error ? [] : (queue.data?.items ?? []);
  const reasons = queue.data?.reasons ?? [];
  const total = reasons.reduce((n, r) => n + r.count, 0);

  const choose = (next: string) => {
    setReason(next);
    cursors.reset();
    setOpen(null);
  };

  const retry = async () => {
    setRetrying(true);
    setError(undefined);
    setRetried(undefined);
    try {
      setRetried(await api.post<RetryResult>('/api/abuse/unassigned/retry', reason ? { reasons: [reason] } : {}));
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setRetrying(false);
      queue.reload();
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="unassigned-title">{t('unassigned.title')}</h1>
        <div className="page-actions">
          <button type="button" className="button" onClick={queue.reload} disabled={queue.loading}>
            {t('common.refresh')}
          </button>
          {canWrite && (
            <button
              type="button"
              className="button button-primary"
              onClick={() => void retry()}
              disabled={retrying}
              data-testid="unassigned-retry"
            >
              {retrying
                ? t('unassigned.retrying')
                : reason
                  ? t('unassigned.retryReason', { reason: reasonLabel(reason, t) })
                  : t('unassigned.retryAll')}
            </button>
          )}
        </div>
      </header>
      <p className="muted intro">{t('unassigned.intro')}</p>

      {retried && (
        <div className="alert alert-ok" role="status" data-testid="unassigned-retry-result">
          {t('unassigned.retried', {
            retried: fmt.number(retried.retried),
            attributed: fmt.number(retried.attributed),
            casesOpened: fmt.number(retried.casesOpened),
            unassigned: fmt.number(retried.unassigned),
          })}
        </div>
      )}
      {assigned && (
        <div className="alert alert-ok" role="status" data-testid="assign-result">
          <span>
            {t(assigned.caseOpened ? 'unassigned.assign.opened' : 'unassigned.assign.joined', {
              id: assigned.eventId,
              subscriber: assigned.subscriberId,
            })}{' '}
            <Link href={`/cases/${assigned.caseId}`}>{t('cases.caseNumber', { id: assigned.caseId })}</Link>
          </span>
        </div>
      )}
      {error && <ErrorMessage error={error} testId="unassigned-error" />}

      <div
        className="reason-chips"
        role="group"
        aria-label={t('unassigned.reasonFilter')}
        data-testid="unassigned-reasons"
      >
        <button
          type="button"
          className={`button button-small${reason === '' ? ' button-primary' : ''}`}
          aria-pressed={reason === ''}
          onClick={() => choose('')}
        >
          {t('unassigned.allReasons', { count: fmt.number(total) })}
        </button>
        {UNASSIGNED_REASONS.map((r) => {
          const count = reasons.find((x) => x.reason === r)?.count ?? 0;
          return (
            <button
              key={r}
              type="button"
              className={`button button-small${reason === r ? ' button-primary' : ''}`}
              aria-pressed={reason === r}
              onClick={() => choose(r)}
              data-testid={`unassigned-reason-${r}`}
            >
              {reasonLabel(r, t)} <span className="reason-count">{fmt.number(count)}</span>
            </button>
          );
        })}
      </div>
      {reason && <p className="muted small">{t(`unassigned.reasonHelp.${reason as 'no-lease'}`)}</p>}

      {queue.error && <ErrorMessage error={queue.error} onRetry={queue.reload} />}
      {!queue.data && queue.loading && <p className="muted">{t('common.loading')}</p>}
      {queue.data && !queue.error && events.length === 0 && (
        <p className="empty" data-testid="unassigned-empty">
          {reason ? t('unassigned.emptyReason') : t('unassigned.empty')}
        </p>
      )}
      {events.length > 0 && (
        <>
          <KeysetPager {...cursors.pagerProps(queue)} primary />
          <div className="table-wrap">
            <table
              className={`table unassigned-table${queue.loading ? ' table-loading' : ''}`}
              data-testid="unassigned-table"
            >
              <thead>
                <tr>
                  <th>{t('unassigned.columns.occurred')}</th>
                  <th>{t('unassigned.columns.type')}</th>
                  <th>{t('unassigned.columns.source')}</th>
                  <th>{t('unassigned.columns.reason')}</th>
                  <th>{t('unassigned.columns.reporter')}</th>
                  <th>{t('unassigned.columns.received')}</th>
                  <th>{t('unassigned.columns.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <UnassignedRow
                    key={e.id}
                    event={e}
                    canWrite={canWrite}
                    open={open?.id === e.id ? open.what : null}
                    onOpen={(what) => setOpen(open?.id === e.id && open.what === what ? null : { id: e.id, what })}
                    onAssigned={(result) => {
                      setAssigned(result);
                      setOpen(null);
                      queue.reload();
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}

function UnassignedRow(props: {
  event: AbuseEvent;
  canWrite: boolean;
  open: 'assign' | 'evidence' | null;
  onOpen(what: 'assign' | 'evidence'): void;
  onAssigned(result: AssignResult): void;
}) {
  const { t } = useTranslation();
  const e = props.event;
  return (
    <>
      <tr data-testid="unassigned-row">
        <td>
          <Time value={e.occurredAt} />
        </td>
        <td>
          {classLabel(e.type, t)}
          {e.identifier && <span className="indicator-type mono">{e.identifier}</span>}
        </td>
        <td className="mono wrap" data-testid="unassigned-source">
          {sourceText(e)}
        </td>
        <td data-testid="unassigned-reason">{reasonLabel(e.unassignedReason ?? '', t)}</td>
        <td>
          {e.reporter}
          <span className="indicator-type mono">{e.reportType}</span>
        </td>
        <td>
          <Time value={e.createdAt} />
        </td>
        <td>
          <div className="row-actions">
            <button
              type="button"
              className="button button-small"
              aria-expanded={props.open === 'evidence'}
              onClick={() => props.onOpen('evidence')}
              data-testid="unassigned-evidence"
            >
              {props.open === 'evidence' ? t('casePage.evidence.hide') : t('casePage.evidence.show')}
            </button>
            {props.canWrite && (
              <button
                type="button"
                className="button button-small"
                aria-expanded={props.open === 'assign'}
                onClick={() => props.onOpen('assign')}
                data-testid="unassigned-assign"
              >
                {t('unassigned.assign.open')}
              </button>
            )}
          </div>
        </td>
      </tr>
      {props.open && (
        <tr className="evidence-row">
          <td colSpan={7}>
            {props.open === 'evidence' ? (
              <CaseEvidence reportId={e.reportId} />
            ) : (
              <AssignForm event={e} onDone={props.onAssigned} />
            )}
          </td>
        </tr>
      )}
    </>
  );
}

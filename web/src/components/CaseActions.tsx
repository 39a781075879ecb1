// What the desk can do with a case from its page, each for a reason: tell the subscriber now (a notice for a new
// case, a reminder after one), ask for the subscriber to be restricted, resolve, close or ignore. Only the moves the
// case's state allows are offered, and only to roles with abuse.write; a move the server refuses shows its reason.
import { useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import type { CaseState, CaseSummary, NotifyResult, Restriction } from '../api-types/cases';
import { ABUSE_WRITE, canMove, CLOSING_MOVES, stateLabel } from '../case-terms';
import { useApp } from '../context';
import { ErrorMessage } from './ErrorMessage';
import { ReasonForm } from './ReasonForm';

type Action = 'notify' | 'remind' | 'restrict' | CaseState;

interface Props {
  kase: CaseSummary;
  restrictions: Restriction[];
  onChanged(): void;
}

function actionLabel(action: Action, t: TFunction): string {
  switch (action) {
    case 'notify':
      return t('casePage.actions.notify');
    case 'remind':
      return t('casePage.actions.remind');
    case 'restrict':
      return t('casePage.actions.restrict');
    default:
      return t('casePage.actions.moveTo', { state: stateLabel(action, t) });
  }
}

/** What came of an action, worded when shown, so a change of language rewords it too. */
type Outcome = { ok: boolean; text(t: TFunction): string };

function describeNotice(result: NotifyResult): Outcome {
  const kind = (t: TFunction) => t(`casePage.noticeKinds.${result.kind}`);
  if (result.status === 'sent')
    return { ok: true, text: (t) => t('casePage.actions.sent', { kind: kind(t), id: result.noticeId }) };
  return {
    ok: false,
    text: (t) =>
      t(`casePage.actions.${result.status}`, { kind: kind(t), id: result.noticeId, error: result.error ?? '' }),
  };
}

export function CaseActions({ kase, restrictions, onChanged }: Props) {
  const { t } = useTranslation();
  const { user } = useApp();
  const [open, setOpen] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState<Outcome>();
  if (!ABUSE_WRITE.includes(user.role)) return null;

  const told = kase.state === 'notified' || kase.state === 'reminded';
  const restrictionOpen = restrictions.some((r) => r.state === 'pending' || r.state === 'active');
  const actions: Action[] = [
    ...(kase.state === 'new' ? (['notify'] as const) : []),
    ...(told ? (['remind'] as const) : []),
    ...(told && !restrictionOpen ? (['restrict'] as const) : []),
    ...CLOSING_MOVES.filter((s) => canMove(kase.state, s)),
  ];

  const run = async (action: Action, reason: string) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      if (action === 'notify' || action === 'remind') {
        const result = await api.post<NotifyResult>(`/api/abuse/cases/${kase.id}/notify`, { reason });
        setDone(describeNotice(result));
      } else if (action === 'restrict') {
        const r = await api.post<Restriction>(`/api/abuse/cases/${kase.id}/restriction`, { reason });
        setDone({ ok: true, text: (tr) => tr('casePage.actions.restrictRequested', { id: r.id }) });
      } else {
        const moved = await api.post<CaseSummary>(`/api/abuse/cases/${kase.id}/move`, { state: action, reason });
        setDone({ ok: true, text: (tr) => tr('casePage.actions.moved', { state: stateLabel(moved.state, tr) }) });
      }
      setOpen(null);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
      onChanged();
    }
  };

  return (
    <section className="section" data-testid="case-actions">
      <div className="section-header">
        <h2>{t('casePage.actions.title')}</h2>
      </div>
      {actions.length === 0 ? (
        <p className="muted small">{t('casePage.actions.none', { state: stateLabel(kase.state, t) })}</p>
      ) : (
        <div className="action-buttons">
          {actions.map((action) => (
            <button
              key={action}
              type="button"
              className={`button${open === action ? ' button-primary' : ''}`}
              aria-expanded={open === action}
              onClick={() => {
                setOpen(open === action ? null : action);
                setError(undefined);
              }}
              disabled={busy}
              data-testid={`case-action-${action}`}
            >
              {actionLabel(action, t)}
            </button>
          ))}
        </div>
      )}
      {(open === 'notify' || open === 'remind') && <p className="muted small">{t('casePage.actions.notifyHint')}</p>}
      {open === 'restrict' && <p className="muted small">{t('casePage.actions.restrictHint')}</p>}
      {open && (
        <ReasonForm
          key={open}
          title={t('casePage.actions.confirmTitle', { action: actionLabel(open, t), id: kase.id })}
          confirmLabel={actionLabel(open, t)}
          busy={busy}
          onConfirm={(reason) => void run(open, reason)}
          onCancel={() => setOpen(null)}
          testId="case-reason"
        />
      )}
      {error && <ErrorMessage error={error} testId="case-action-error" />}
      {done && (
        <div className={`alert ${done.ok ? 'alert-ok' : 'alert-warn'}`} role="status" data-testid="case-action-outcome">
          {done.text(t)}
        </div>
      )}
    </section>
  );
}

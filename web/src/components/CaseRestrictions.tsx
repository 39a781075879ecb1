// The case's restrictions (the walled garden): who asked and why, who approved, what addresses are held now, and
// for roles with abuse.restrict the buttons to approve a pending one (someone other than who asked, unless the
// server allows a desk of one), decline it, or lift an active one — each asking why.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import type { Restriction } from '../api-types/cases';
import { ABUSE_RESTRICT, actorName } from '../case-terms';
import { useApp } from '../context';
import type { ApiState } from '../hooks';
import { ErrorMessage } from './ErrorMessage';
import { ReasonForm } from './ReasonForm';
import { Time } from './Time';

type Pending = { id: number; action: 'approve' | 'release' | 'decline' };

export function CaseRestrictions({
  restrictions,
  onChanged,
}: {
  restrictions: ApiState<{ items: Restriction[] }>;
  onChanged(): void;
}) {
  const { t } = useTranslation();
  const { user } = useApp();
  const mayRestrict = ABUSE_RESTRICT.includes(user.role);
  const [open, setOpen] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const items = restrictions.data?.items ?? [];
  if (items.length === 0 && !restrictions.error) return null;

  const run = async ({ id, action }: Pending, reason: string) => {
    setBusy(true);
    setError(undefined);
    try {
      if (action === 'approve') await api.post(`/api/abuse/restrictions/${id}/approve`, reason ? { reason } : {});
      else await api.post(`/api/abuse/restrictions/${id}/release`, { reason });
      setOpen(null);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
      onChanged();
    }
  };

  return (
    <section className="section" data-testid="case-restrictions">
      <div className="section-header">
        <h2>{t('casePage.restrictions.title')}</h2>
      </div>
      {restrictions.error && <ErrorMessage error={restrictions.error} onRetry={restrictions.reload} />}
      {items.map((r) => (
        <article key={r.id} className="card restriction" data-testid="case-restriction">
          <header className="restriction-head">
            <strong>{t('casePage.restrictions.number', { id: r.id })}</strong>
            <span className={`badge restriction-${r.state}`} data-testid="case-restriction-state">
              {t(`casePage.restrictions.states.${r.state as 'pending'}`, { defaultValue: r.state })}
            </span>
          </header>
          <p className="small">
            {t('casePage.restrictions.requested', { who: actorName(r.requestedBy) })} <Time value={r.requestedAt} />
            {': '}
            <span className="pre-line">{r.reason}</span>
          </p>
          {r.approvedBy && (
            <p className="small">
              {t('casePage.restrictions.approved', { who: actorName(r.approvedBy) })} <Time value={r.approvedAt} />
            </p>
          )}
          {r.releasedBy && (
            <p className="small">
              {t('casePage.restrictions.released', { who: actorName(r.releasedBy) })} <Time value={r.releasedAt} />
              {r.releaseReason ? `: ${r.releaseReason}` : ''}
            </p>
          )}
          {r.addresses.length > 0 && (
            <p className="small">
              {t('casePage.restrictions.addresses')} <span className="mono">{r.addresses.join(', ')}</span>
            </p>
          )}
          {mayRestrict && (r.state === 'pending' || r.state === 'active') && (
            <div className="action-buttons">
              {r.state === 'pending' && (
                <button
                  type="button"
                  className="button button-small"
                  disabled={busy}
                  onClick={() => setOpen({ id: r.id, action: 'approve' })}
                  data-testid="case-restriction-approve"
                >
                  {t('casePage.restrictions.approve')}
                </button>
              )}
              <button
                type="button"
                className="button button-small"
                disabled={busy}
                onClick={() => setOpen({ id: r.id, action: r.state === 'pending' ? 'decline' : 'release' })}
                data-testid="case-restriction-release"
              >
                {r.state === 'pending' ? t('casePage.restrictions.decline') : t('casePage.restrictions.release')}
              </button>
            </div>
          )}
          {open?.id === r.id && (
            <ReasonForm
              key={open.action}
              title={t(`casePage.restrictions.confirm.${open.action}`, { id: r.id })}
              confirmLabel={t(`casePage.restrictions.${open.action}`)}
              optional={open.action === 'approve'}
              busy={busy}
              onConfirm={(reason) => void run(open, reason)}
              onCancel={() => setOpen(null)}
              testId="case-restriction-reason"
            />
          )}
        </article>
      ))}
      {error && <ErrorMessage error={error} testId="case-restriction-error" />}
    </section>
  );
}

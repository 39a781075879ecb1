// Legal holds (legal and admin): intervals of an address, prefix or subscriber key kept past retention for a
// disclosure request or litigation. Listed, placed and released through /api/attribution/holds, each change audited.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { request } from '../api';
import type { LegalHoldList } from '../api-types/admin';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { useChange } from '../use-change';
import { wallTimeToUtc } from '../zoned-time';
import { ChangeOutcome } from './ChangeOutcome';
import { ErrorMessage } from './ErrorMessage';
import { Time } from './Time';

interface Draft {
  subject: string;
  from: string;
  until: string;
  reason: string;
}
const EMPTY: Draft = { subject: '', from: '', until: '', reason: '' };

export function LegalHolds() {
  const { t } = useTranslation();
  const { timeZone } = useApp();
  const holds = useApi<LegalHoldList>('/api/attribution/holds');
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [problem, setProblem] = useState<string>();
  const change = useChange(holds.reload);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const run = (action: () => Promise<unknown>, message: string) => change.run(action, () => message);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const subject = draft.subject.trim();
    const from = wallTimeToUtc(draft.from, timeZone);
    const until = wallTimeToUtc(draft.until, timeZone);
    if (!subject) return setProblem(t('lookup.holds.problems.subject'));
    if (!from || !until || Date.parse(until) < Date.parse(from)) return setProblem(t('lookup.holds.problems.times'));
    if (draft.reason.trim().length < 3) return setProblem(t('lookup.holds.problems.reason'));
    setProblem(undefined);
    const body = { subject, from, until, reason: draft.reason.trim() };
    if (await run(() => request('POST', '/api/attribution/holds', body), t('lookup.holds.added', { subject }))) {
      setDraft(EMPTY);
    }
  };

  const release = (id: number, subject: string) => {
    if (!window.confirm(t('lookup.holds.confirmRelease', { subject }))) return;
    void run(() => request('DELETE', `/api/attribution/holds/${id}`), t('lookup.holds.releaseDone', { subject }));
  };

  const items = holds.data?.items ?? [];
  return (
    <section className="section" data-testid="legal-holds">
      <h2>{t('lookup.holds.title')}</h2>
      <p className="muted intro">{t('lookup.holds.intro')}</p>
      {holds.error && <ErrorMessage error={holds.error} onRetry={holds.reload} />}
      <ChangeOutcome change={change} doneTestId="holds-done" />
      {holds.data && items.length === 0 && <p className="empty">{t('lookup.holds.empty')}</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="holds-table">
            <thead>
              <tr>
                <th>{t('lookup.holds.columns.subject')}</th>
                <th>{t('lookup.holds.columns.range')}</th>
                <th>{t('lookup.holds.columns.reason')}</th>
                <th>{t('lookup.holds.columns.createdBy')}</th>
                <th>{t('lookup.holds.columns.state')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((hold) => (
                <tr key={hold.id} data-testid="hold-row">
                  <td className="mono">{hold.subject}</td>
                  <td>
                    <Time value={hold.fromAt} /> <span className="block">{t('lookup.evidence.until')}</span>
                    <Time value={hold.untilAt} />
                  </td>
                  <td className="wrap">{hold.reason}</td>
                  <td>
                    {hold.createdBy}
                    <span className="block small">
                      <Time value={hold.createdAt} />
                    </span>
                  </td>
                  <td>
                    {hold.releasedAt ? (
                      <span className="muted">
                        {t('lookup.holds.released')} <Time value={hold.releasedAt} />
                      </span>
                    ) : (
                      <>
                        <span className="badge badge-enabled">{t('lookup.holds.active')}</span>{' '}
                        <button
                          type="button"
                          className="button button-small"
                          disabled={change.busy}
                          onClick={() => release(hold.id, hold.subject)}
                          data-testid="hold-release"
                        >
                          {t('lookup.holds.release')}
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="filters" onSubmit={add} noValidate data-testid="hold-form">
        <h3 className="form-title">{t('lookup.holds.add')}</h3>
        <label className="field">
          <span>{t('lookup.holds.subject')}</span>
          <input
            type="text"
            value={draft.subject}
            placeholder={t('lookup.holds.subjectHint')}
            onChange={(e) => set('subject', e.target.value)}
            data-testid="hold-subject"
          />
        </label>
        <label className="field">
          <span>{t('lookup.holds.from', { zone: timeZone })}</span>
          <input
            type="datetime-local"
            value={draft.from}
            onChange={(e) => set('from', e.target.value)}
            data-testid="hold-from"
          />
        </label>
        <label className="field">
          <span>{t('lookup.holds.until', { zone: timeZone })}</span>
          <input
            type="datetime-local"
            value={draft.until}
            onChange={(e) => set('until', e.target.value)}
            data-testid="hold-until"
          />
        </label>
        <label className="field">
          <span>{t('lookup.holds.reason')}</span>
          <input
            type="text"
            value={draft.reason}
            maxLength={1000}
            placeholder={t('lookup.holds.reasonHint')}
            onChange={(e) => set('reason', e.target.value)}
            data-testid="hold-reason"
          />
        </label>
        <div className="form-actions">
          <button type="submit" className="button" disabled={change.busy} data-testid="hold-submit">
            {t('lookup.holds.submit')}
          </button>
          {problem && (
            <span className="form-problem" role="alert">
              {problem}
            </span>
          )}
        </div>
      </form>
    </section>
  );
}

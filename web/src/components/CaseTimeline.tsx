// What happened in the case, in time order: each change of state with who made it and why, each note, and each
// notice that covered it; and, for roles with abuse.write, a field to add a note.
import { useState, type FormEvent } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import type { CaseDetail, TimelineEntry } from '../api-types/cases';
import { ABUSE_WRITE, actorName, stateLabel } from '../case-terms';
import { useApp } from '../context';
import type { ApiState } from '../hooks';
import { ErrorMessage } from './ErrorMessage';
import { Time } from './Time';

function Entry({ entry, t }: { entry: TimelineEntry; t: TFunction }) {
  switch (entry.kind) {
    case 'state':
      return (
        <>
          <span className="timeline-what" data-testid="timeline-move">
            {entry.from
              ? t('casePage.timeline.moved', { from: stateLabel(entry.from, t), to: stateLabel(entry.to, t) })
              : t('casePage.timeline.opened', { to: stateLabel(entry.to, t) })}
          </span>
          <span className="timeline-actor" data-testid="timeline-actor" title={entry.actor}>
            {actorName(entry.actor)}
          </span>
          <p className="timeline-text pre-line" data-testid="timeline-reason">
            {entry.reason}
          </p>
        </>
      );
    case 'note':
      return (
        <>
          <span className="timeline-what">{t('casePage.timeline.note')}</span>
          <span className="timeline-actor" title={entry.author}>
            {actorName(entry.author)}
          </span>
          <p className="timeline-text pre-line" data-testid="timeline-note">
            {entry.text}
          </p>
        </>
      );
    case 'notice':
      return (
        <>
          <span className="timeline-what">
            {t('casePage.timeline.notice', {
              kind: t(`casePage.noticeKinds.${entry.noticeKind as 'notice'}`, { defaultValue: entry.noticeKind }),
              id: entry.noticeId,
              status: t(`casePage.notices.statuses.${entry.status as 'sent'}`, { defaultValue: entry.status }),
            })}
          </span>
          <span className="timeline-actor" title={entry.createdBy}>
            {actorName(entry.createdBy)}
          </span>
          <p className="timeline-text">{entry.subject}</p>
        </>
      );
    case 'event':
      return (
        <>
          <span className="timeline-what">{t('casePage.timeline.event', { reporter: entry.reporter })}</span>
          <span className="mono">{entry.address ?? ''}</span>
        </>
      );
  }
}

export function CaseTimeline({ detail, onChanged }: { detail: ApiState<CaseDetail>; onChanged(): void }) {
  const { t } = useTranslation();
  const { user } = useApp();
  const canWrite = ABUSE_WRITE.includes(user.role);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const entries = detail.data?.timeline ?? [];

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (!note.trim() || !detail.data) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`/api/abuse/cases/${detail.data.case.id}/notes`, { text: note.trim() });
      setNote('');
      onChanged();
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="section" data-testid="case-timeline">
      <div className="section-header">
        <h2>{t('casePage.timeline.title')}</h2>
      </div>
      <ol className="timeline">
        {entries.map((entry, i) => (
          <li
            key={`${entry.kind}-${entry.at}-${i}`}
            className={`timeline-entry timeline-${entry.kind}`}
            data-testid="timeline-entry"
            data-kind={entry.kind}
          >
            <span className="timeline-time">
              <Time value={entry.at} />
            </span>
            <Entry entry={entry} t={t} />
          </li>
        ))}
      </ol>
      {canWrite && (
        <form className="note-form" onSubmit={add} data-testid="case-note-form">
          <label className="field">
            <span>{t('casePage.timeline.addNote')}</span>
            <textarea
              rows={3}
              value={note}
              maxLength={10_000}
              onChange={(e) => setNote(e.target.value)}
              data-testid="case-note-text"
            />
          </label>
          <div className="form-actions">
            <button
              type="submit"
              className="button button-primary button-small"
              disabled={busy || !note.trim()}
              data-testid="case-note-add"
            >
              {busy ? t('casePage.working') : t('casePage.timeline.saveNote')}
            </button>
          </div>
          {error && <ErrorMessage error={error} testId="case-note-error" />}
        </form>
      )}
    </section>
  );
}

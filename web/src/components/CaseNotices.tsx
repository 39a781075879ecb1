// The notices that told the subscriber about this case: subject, kind, how it went out and how it ended. The text
// and the address it went to are subscriber data: roles with subscriber.read open them one at a time with the
// purpose chosen on the subscriber panel (recorded on the audit trail); the text is shown as it was sent, as text.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import type { NoticeDetail, NoticeSummary } from '../api-types/cases';
import { withQuery } from '../case-api';
import { actorName, SUBSCRIBER_READ } from '../case-terms';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { accessProblem, accessQuery, type SubscriberAccess } from './CaseSubscriber';
import { ErrorMessage } from './ErrorMessage';
import { Time } from './Time';

function NoticeText({ id, access }: { id: number; access: SubscriberAccess }) {
  const { t } = useTranslation();
  const [notice, setNotice] = useState<NoticeDetail>();
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    let cancelled = false;
    api.get<NoticeDetail>(withQuery(`/api/abuse/notices/${id}`, accessQuery(access))).then(
      (n) => !cancelled && setNotice(n),
      (err: unknown) => !cancelled && setError(toApiError(err)),
    );
    return () => {
      cancelled = true;
    };
    // Read once when opened, with the purpose chosen then: a later change of purpose is for the next read.
  }, [id]);
  if (error) return <ErrorMessage error={error} testId="notice-text-error" />;
  if (!notice) return <p className="muted small">{t('common.loading')}</p>;
  return (
    <div className="notice-text" data-testid="notice-text">
      <dl className="facts">
        <div>
          <dt>{t('casePage.notices.recipient')}</dt>
          <dd className="mono">{notice.recipient ?? t('casePage.notices.noRecipient')}</dd>
        </div>
        <div>
          <dt>{t('casePage.notices.subject')}</dt>
          <dd data-testid="notice-text-subject">{notice.subject}</dd>
        </div>
      </dl>
      <pre className="evidence-text" tabIndex={0} data-testid="notice-text-body">
        {notice.body ?? ''}
      </pre>
    </div>
  );
}

export function CaseNotices({
  caseId,
  generation,
  access,
}: {
  caseId: number;
  generation: number;
  access: SubscriberAccess;
}) {
  const { t } = useTranslation();
  const { user } = useApp();
  const mayRead = SUBSCRIBER_READ.includes(user.role);
  const list = useApi<{ items: NoticeSummary[] }>(withQuery('/api/abuse/notices', { case: caseId, limit: 100 }));
  const { reload } = list;
  useEffect(() => {
    if (generation > 0) reload();
  }, [generation, reload]);
  const [open, setOpen] = useState<number[]>([]);
  const problem = accessProblem(access, t);
  const notices = list.data?.items ?? [];

  return (
    <section className="section" data-testid="case-notices">
      <div className="section-header">
        <h2>{t('casePage.notices.title')}</h2>
      </div>
      {list.error && <ErrorMessage error={list.error} onRetry={list.reload} />}
      {list.data && notices.length === 0 && <p className="muted">{t('casePage.notices.none')}</p>}
      {notices.length > 0 && mayRead && <p className="muted small">{t('casePage.notices.recorded')}</p>}
      {notices.map((n) => (
        <article key={n.id} className="card notice" data-testid="case-notice">
          <header className="notice-head">
            <strong className="notice-subject" data-testid="case-notice-subject">
              {n.subject}
            </strong>
            <span className="badge badge-category">
              {t(`casePage.noticeKinds.${n.kind as 'notice'}`, { defaultValue: n.kind })}
            </span>
            <span className={`badge notice-${n.status}`} data-testid="case-notice-status">
              {t(`casePage.notices.statuses.${n.status as 'sent'}`, { defaultValue: n.status })}
            </span>
          </header>
          <p className="small muted">
            {t('casePage.notices.meta', {
              id: n.id,
              channel: t(`casePage.notices.channels.${n.channel as 'email'}`, { defaultValue: n.channel }),
              who: actorName(n.createdBy),
              language: n.locale,
            })}{' '}
            <Time value={n.sentAt ?? n.createdAt} />
          </p>
          {n.error && <p className="small form-problem">{n.error}</p>}
          {n.bounceDiagnostic && (
            <p className="small form-problem">
              {t('casePage.notices.bounced', { status: n.bounceStatus ?? '' })} {n.bounceDiagnostic}
            </p>
          )}
          {mayRead && (
            <button
              type="button"
              className="button button-small"
              aria-expanded={open.includes(n.id)}
              disabled={problem !== undefined && !open.includes(n.id)}
              onClick={() => setOpen((o) => (o.includes(n.id) ? o.filter((x) => x !== n.id) : [...o, n.id]))}
              data-testid="case-notice-show"
            >
              {open.includes(n.id) ? t('casePage.notices.hideText') : t('casePage.notices.showText')}
            </button>
          )}
          {open.includes(n.id) && <NoticeText id={n.id} access={access} />}
        </article>
      ))}
    </section>
  );
}

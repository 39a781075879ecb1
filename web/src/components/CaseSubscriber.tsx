// The case's subscriber: its id for everyone who may see cases; the contact details (and a notice's text, on the
// notices panel) only for roles with subscriber.read, read on request with the purpose chosen here, and recorded in
// the audit log — the screen says so before anything is read.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, toApiError, type ApiError } from '../api';
import type { SubscriberRecord } from '../api-types/cases';
import { withQuery } from '../case-api';
import type { PurposeKind } from '../api-types/admin';
import { SUBSCRIBER_READ } from '../case-terms';
import { useApp } from '../context';
import { PURPOSE_KINDS, purposeLabel } from '../purpose-terms';
import { ErrorMessage } from './ErrorMessage';
import { Link } from './Link';

export interface SubscriberAccess {
  purpose: PurposeKind;
  reference: string;
}

/** The query a read of subscriber data carries (GET /api/subscribers/:id, /api/abuse/notices/:id). */
export function accessQuery(access: SubscriberAccess): Record<string, string> {
  return { purpose: access.purpose, reference: access.reference.trim() };
}

/** What is missing before subscriber data may be read; undefined when nothing is. */
export function accessProblem(access: SubscriberAccess, t: (key: 'casePage.subscriber.needReference') => string) {
  return access.purpose === 'other' && access.reference.trim().length < 5
    ? t('casePage.subscriber.needReference')
    : undefined;
}

interface Props {
  subscriberId: string;
  access: SubscriberAccess;
  onAccessChange(access: SubscriberAccess): void;
}

export function CaseSubscriber({ subscriberId, access, onAccessChange }: Props) {
  const { t } = useTranslation();
  const { user } = useApp();
  const mayRead = SUBSCRIBER_READ.includes(user.role);
  const [record, setRecord] = useState<SubscriberRecord>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const problem = accessProblem(access, t);

  const show = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setRecord(
        await api.get<SubscriberRecord>(
          withQuery(`/api/subscribers/${encodeURIComponent(subscriberId)}`, accessQuery(access)),
        ),
      );
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="section" data-testid="case-subscriber">
      <div className="section-header">
        <h2>{t('casePage.subscriber.title')}</h2>
        <span className="mono" data-testid="case-subscriber-id">
          {subscriberId}
        </span>
        <Link className="section-link" href={`/cases?subscriber=${encodeURIComponent(subscriberId)}`}>
          {t('casePage.subscriber.otherCases')}
        </Link>
      </div>
      {!mayRead && <p className="muted small">{t('casePage.subscriber.noPermission')}</p>}
      {mayRead && (
        <div className="card access-card">
          <p className="small" data-testid="case-access-notice">
            {t('casePage.subscriber.recorded')}
          </p>
          <div className="access-fields">
            <label className="field-inline">
              <span className="field-inline-label">{t('casePage.subscriber.purpose')}</span>
              <select
                value={access.purpose}
                onChange={(e) => onAccessChange({ ...access, purpose: e.target.value as PurposeKind })}
                data-testid="case-purpose"
              >
                {PURPOSE_KINDS.map((p) => (
                  <option key={p} value={p}>
                    {purposeLabel(p, t)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field-inline">
              <span className="field-inline-label">{t('casePage.subscriber.reference')}</span>
              <input
                type="text"
                value={access.reference}
                maxLength={500}
                onChange={(e) => onAccessChange({ ...access, reference: e.target.value })}
                data-testid="case-reference"
              />
            </label>
            <button
              type="button"
              className="button button-small"
              onClick={() => void show()}
              disabled={busy || problem !== undefined}
              data-testid="case-show-contact"
            >
              {t('casePage.subscriber.showContact')}
            </button>
          </div>
          {problem && <p className="form-problem small">{problem}</p>}
          {error && <ErrorMessage error={error} testId="case-contact-error" />}
          {record && (
            <dl className="facts contact-facts" data-testid="case-contact">
              <div>
                <dt>{t('casePage.subscriber.name')}</dt>
                <dd>{record.name}</dd>
              </div>
              <div>
                <dt>{t('casePage.subscriber.email')}</dt>
                <dd className="mono">{record.email ?? t('common.none')}</dd>
              </div>
              <div>
                <dt>{t('casePage.subscriber.phone')}</dt>
                <dd>{record.phone ?? t('common.none')}</dd>
              </div>
              <div>
                <dt>{t('casePage.subscriber.address')}</dt>
                <dd>{record.address ?? t('common.none')}</dd>
              </div>
              <div>
                <dt>{t('casePage.subscriber.contract')}</dt>
                <dd>{record.contract ?? t('common.none')}</dd>
              </div>
            </dl>
          )}
        </div>
      )}
    </section>
  );
}

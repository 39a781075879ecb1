// One case: who (the subscriber by id; contact details only for roles that may read them, with a purpose), what state
// and class, the actions a person may take from here, the restriction if any, the events with the report each came
// from (shown as text, never as HTML), the subscriber's sightings in the case's window, the notices sent, and the
// timeline of moves, notes and notices with a field for a new note.
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CaseDetail, Restriction } from '../api-types/cases';
import { severityLabel, stateLabel } from '../case-terms';
import { classLabel } from '../rsit-terms';
import { CaseActions } from '../components/CaseActions';
import { CaseEvents } from '../components/CaseEvents';
import { CaseNotices } from '../components/CaseNotices';
import { CaseRestrictions } from '../components/CaseRestrictions';
import { CaseSightings } from '../components/CaseSightings';
import { CaseSubscriber, type SubscriberAccess } from '../components/CaseSubscriber';
import { CaseTimeline } from '../components/CaseTimeline';
import { ErrorMessage } from '../components/ErrorMessage';
import { Link } from '../components/Link';
import { Time } from '../components/Time';
import { useApp } from '../context';
import { useApi } from '../hooks';
import type { RouteParams } from '../routes';
import '../styles/cases.css';

export function CasePage({ params }: { params: RouteParams }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const id = Number(params.id);
  const valid = Number.isInteger(id) && id > 0;
  const detail = useApi<CaseDetail>(valid ? `/api/abuse/cases/${id}?events=false` : '/api/abuse/cases/0');
  const restrictions = useApi<{ items: Restriction[] }>(`/api/abuse/restrictions?case=${valid ? id : 0}`);
  const [generation, setGeneration] = useState(0);
  const [access, setAccess] = useState<SubscriberAccess>({ purpose: 'abuse-notice', reference: `case ${id}` });

  // After an action everything on the page may have changed: the state, the timeline, notices, the restriction.
  const changed = () => {
    detail.reload();
    restrictions.reload();
    setGeneration((g) => g + 1);
  };

  const kase = detail.data?.case;
  return (
    <div className="page case-page">
      <header className="page-header">
        <div>
          <p className="muted small">
            <Link href="/cases">{t('casePage.back')}</Link>
          </p>
          <h1 data-testid="case-title">{t('casePage.title', { id: valid ? id : params.id })}</h1>
        </div>
        <div className="page-actions">
          <button type="button" className="button" onClick={changed} disabled={detail.loading}>
            {t('common.refresh')}
          </button>
        </div>
      </header>

      {!valid && <ErrorMessage error={t('casePage.badId', { id: params.id })} />}
      {valid && detail.error && <ErrorMessage error={detail.error} onRetry={detail.reload} testId="case-error" />}
      {valid && !detail.data && detail.loading && <p className="muted">{t('common.loading')}</p>}

      {kase && (
        <>
          <section className="card case-facts-card">
            <dl className="facts case-facts">
              <div>
                <dt>{t('casePage.fields.state')}</dt>
                <dd>
                  <span className={`badge state-${kase.state}`} data-testid="case-state">
                    {stateLabel(kase.state, t)}
                  </span>
                </dd>
              </div>
              <div>
                <dt>{t('casePage.fields.type')}</dt>
                <dd data-testid="case-type">
                  {classLabel(kase.type, t)} <span className="mono muted small">{kase.type}</span>
                </dd>
              </div>
              <div>
                <dt>{t('casePage.fields.severity')}</dt>
                <dd>
                  <span className={`badge severity-${kase.severity}`} data-testid="case-severity">
                    {severityLabel(kase.severity, t)}
                  </span>
                </dd>
              </div>
              <div>
                <dt>{t('casePage.fields.events')}</dt>
                <dd data-testid="case-event-count">{fmt.number(kase.eventCount)}</dd>
              </div>
              <div>
                <dt>{t('casePage.fields.firstEvent')}</dt>
                <dd>
                  <Time value={kase.firstEventAt} />
                </dd>
              </div>
              <div>
                <dt>{t('casePage.fields.lastEvent')}</dt>
                <dd>
                  <Time value={kase.lastEventAt} />
                </dd>
              </div>
              <div>
                <dt>{t('casePage.fields.opened')}</dt>
                <dd>
                  <Time value={kase.openedAt} />
                </dd>
              </div>
              <div>
                <dt>{t('casePage.fields.updated')}</dt>
                <dd>
                  <Time value={kase.updatedAt} />
                </dd>
              </div>
            </dl>
          </section>

          <CaseSubscriber subscriberId={kase.subscriberId} access={access} onAccessChange={setAccess} />

          <CaseActions kase={kase} restrictions={restrictions.data?.items ?? []} onChanged={changed} />

          <CaseRestrictions restrictions={restrictions} onChanged={changed} />

          <CaseEvents caseId={id} generation={generation} />

          <CaseNotices caseId={id} generation={generation} access={access} />

          <CaseSightings caseId={id} generation={generation} />

          <CaseTimeline detail={detail} onChanged={changed} />
        </>
      )}
    </div>
  );
}

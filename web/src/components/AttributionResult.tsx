// A look-up's answer: every candidate with its confidence, its doubts and the evidence of each step (lease, CGNAT
// block, deterministic NAT), and contact details when the server sent them (roles with subscriber.read). Everything
// here comes from logs and records, so it is shown as text.
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { AttributionCandidate, AttributionLink, SubscriberContact, WhoAnswer } from '../api-types/admin';
import { useApp } from '../context';
import { Time } from './Time';

const NOTES = ['within-skew', 'end-estimated', 'silent', 'port-unknown', 'no-inner-lease', 'ambiguous'] as const;
const LINK_KINDS = ['lease', 'cgnat', 'deterministic-nat'] as const;

function noteLabel(note: string, t: TFunction): string {
  return (NOTES as readonly string[]).includes(note)
    ? t(`lookup.candidate.notes.${note as (typeof NOTES)[number]}`)
    : note;
}

function linkKindLabel(kind: string, t: TFunction): string {
  return (LINK_KINDS as readonly string[]).includes(kind)
    ? t(`lookup.evidence.kinds.${kind as (typeof LINK_KINDS)[number]}`)
    : kind;
}

export function AttributionResult({ answer, mayReadContact }: { answer: WhoAnswer; mayReadContact: boolean }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const time = fmt.dateTime(answer.at);
  return (
    <section className="section lookup-result" data-testid="lookup-result" aria-live="polite">
      <header className="section-header">
        <h2>{t('lookup.result.title')}</h2>
        <span className="mono" data-testid="lookup-asked">
          {answer.port === undefined
            ? t('lookup.result.asked', { address: answer.address, time })
            : t('lookup.result.askedPort', { address: answer.address, port: answer.port, time })}
        </span>
        <span className="muted small">{t('lookup.result.skew', { seconds: fmt.number(answer.skewMs / 1000, 1) })}</span>
      </header>
      {answer.candidates.length === 0 ? (
        <p className="empty" data-testid="lookup-none">
          {t('lookup.result.none')}
        </p>
      ) : (
        <>
          <p className="muted" data-testid="lookup-count">
            {t('lookup.result.candidates', { count: fmt.number(answer.candidates.length) })}
          </p>
          {answer.candidates.length > 1 && (
            <div className="alert alert-warn" role="note">
              {t('lookup.result.ambiguous')}
            </div>
          )}
          {answer.candidates.map((candidate, i) => (
            <Candidate key={i} n={i + 1} candidate={candidate} mayReadContact={mayReadContact} />
          ))}
        </>
      )}
    </section>
  );
}

function Candidate(props: { n: number; candidate: AttributionCandidate; mayReadContact: boolean }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const c = props.candidate;
  return (
    <article className="candidate" data-testid="lookup-candidate">
      <h3>{t('lookup.candidate.heading', { n: props.n })}</h3>
      <dl className="facts">
        <div>
          <dt>{t('lookup.candidate.subscriberKey')}</dt>
          <dd className="mono" data-testid="candidate-key">
            {c.subscriberKey ?? t('common.none')}
            {c.keyKind && <span className="muted"> ({c.keyKind})</span>}
          </dd>
        </div>
        <div>
          <dt>{t('lookup.candidate.subscriberId')}</dt>
          <dd className="mono" data-testid="candidate-subscriber-id">
            {c.subscriberId ?? <span className="muted">{t('lookup.candidate.noSubscriberId')}</span>}
          </dd>
        </div>
        <div>
          <dt>{t('lookup.candidate.confidence')}</dt>
          <dd data-testid="candidate-confidence">
            <span className={c.confidence >= 100 ? 'badge badge-enabled' : 'badge badge-warning'}>
              {t('lookup.candidate.confidenceValue', { value: fmt.number(c.confidence) })}
            </span>
          </dd>
        </div>
      </dl>
      {c.notes.length > 0 && (
        <ul className="candidate-notes" data-testid="candidate-notes">
          {c.notes.map((note) => (
            <li key={note}>{noteLabel(note, t)}</li>
          ))}
        </ul>
      )}
      <Contact candidate={c} mayReadContact={props.mayReadContact} />
      <h4>{t('lookup.evidence.title')}</h4>
      <EvidenceTable links={c.links} />
    </article>
  );
}

function Contact({ candidate, mayReadContact }: { candidate: AttributionCandidate; mayReadContact: boolean }) {
  const { t } = useTranslation();
  if (!mayReadContact) {
    return (
      <p className="muted small" data-testid="candidate-contact-hidden">
        {t('lookup.candidate.contactHidden')}
      </p>
    );
  }
  const s = candidate.subscriber;
  return (
    <div className="candidate-contact">
      <h4>{t('lookup.candidate.contact')}</h4>
      {candidate.directoryError && (
        <div className="alert alert-warn">
          {t('lookup.candidate.directoryError', { error: candidate.directoryError })}
        </div>
      )}
      {s ? <ContactFacts subscriber={s} /> : <p className="muted">{t('lookup.candidate.contactMissing')}</p>}
    </div>
  );
}

function ContactFacts({ subscriber }: { subscriber: SubscriberContact }) {
  const { t } = useTranslation();
  const fields = ['name', 'nameKana', 'email', 'phone', 'address', 'contract', 'plan', 'status'] as const;
  return (
    <dl className="facts" data-testid="candidate-contact">
      {fields.map((field) =>
        subscriber[field] ? (
          <div key={field}>
            <dt>{t(`lookup.candidate.fields.${field}`)}</dt>
            <dd data-testid={`contact-${field}`}>{subscriber[field]}</dd>
          </div>
        ) : null,
      )}
      <div>
        <dt>{t('lookup.candidate.fields.from')}</dt>
        <dd>{t(`lookup.candidate.from.${subscriber.from}`)}</dd>
      </div>
    </dl>
  );
}

function EvidenceTable({ links }: { links: AttributionLink[] }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  return (
    <div className="table-wrap">
      <table className="table evidence-table">
        <thead>
          <tr>
            <th className="num">{t('lookup.evidence.columns.step')}</th>
            <th>{t('lookup.evidence.columns.kind')}</th>
            <th>{t('lookup.evidence.columns.source')}</th>
            <th>{t('lookup.evidence.columns.address')}</th>
            <th>{t('lookup.evidence.columns.key')}</th>
            <th>{t('lookup.evidence.columns.interval')}</th>
            <th>{t('lookup.evidence.columns.evidence')}</th>
          </tr>
        </thead>
        <tbody>
          {links.map((link, i) => (
            <tr key={i} data-testid="evidence-row">
              <td className="num">{fmt.number(i + 1)}</td>
              <td data-testid="evidence-kind">{linkKindLabel(link.kind, t)}</td>
              <td className="mono" data-testid="evidence-source">
                {link.source}
              </td>
              <td className="mono">
                {link.address}
                {link.ports && (
                  <span className="block small muted">
                    {t('lookup.evidence.columns.ports')}{' '}
                    {t('lookup.evidence.ports', { from: link.ports[0], to: link.ports[1] })}
                  </span>
                )}
                {link.inside && (
                  <span className="block small" data-testid="evidence-inside">
                    {t('lookup.evidence.columns.inside')} {link.inside}
                  </span>
                )}
              </td>
              <td className="mono">
                {link.subscriberKey ?? t('common.none')}
                {link.session && (
                  <span className="block small muted">
                    {t('lookup.evidence.columns.session')} {link.session}
                  </span>
                )}
              </td>
              <td>
                <Time value={link.start} />
                <span className="block">
                  {t('lookup.evidence.until')}{' '}
                  {link.end ? <Time value={link.end} /> : <span className="muted">{t('lookup.evidence.open')}</span>}
                  {link.endEstimated && <span className="badge badge-warning">{t('lookup.evidence.estimated')}</span>}
                </span>
              </td>
              <td className="wrap">
                <pre className="evidence-text" data-testid="evidence-text">
                  {link.evidence}
                </pre>
                {link.detail && Object.keys(link.detail).length > 0 && (
                  <dl className="evidence-detail small">
                    {Object.entries(link.detail).map(([key, value]) => (
                      <div key={key}>
                        <dt>{key}</dt>
                        <dd className="mono">{value}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// What an import gave: the report, its events and dead letters, what attribution did, and the cases its events went
// to, each a link to the case, with the way on to the case queue, the dead letters and the unassigned reports.
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ImportOutcome, ReportCases, ReportDetail } from '../api-types/reports';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { ErrorMessage } from './ErrorMessage';
import { Link } from './Link';
import { classLabel } from '../rsit-terms';

const CASES_SHOWN = 20;

function formatName(format: string | null, t: TFunction): string {
  switch (format) {
    case 'arf':
    case 'xarf':
    case 'shadowserver':
    case 'acns':
    case 'csv':
    case 'mail':
      return t(`reports.formats.${format}`);
    default:
      return format ?? t('common.none');
  }
}

function stateName(state: string, t: TFunction): string {
  switch (state) {
    case 'received':
    case 'parsed':
    case 'partial':
    case 'unreadable':
    case 'triage':
      return t(`reports.states.${state}`);
    default:
      return state;
  }
}

export function ImportResult({ outcome, onAnother }: { outcome: ImportOutcome; onAnother(): void }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const cases = useApi<ReportCases>(`/api/abuse/reports/${outcome.reportId}/cases?limit=${CASES_SHOWN}`);
  // Where the report's events stand now, from the report itself: events can be attributed as they are stored, or
  // by a later run, so this is what the desk will find rather than what the one run after the import did.
  const report = useApi<ReportDetail>(`/api/abuse/reports/${outcome.reportId}`);
  const states = report.data?.events;
  const cards: [string, number, string][] = [
    [t('reports.result.events'), outcome.events, 'result-events'],
    [t('reports.result.rejected'), report.data?.deadLetters ?? outcome.rejected, 'result-rejected'],
  ];
  if (states) {
    cards.push([t('reports.result.attributed'), states.attributed ?? 0, 'result-attributed']);
    cards.push([t('reports.result.unassigned'), states.unassigned ?? 0, 'result-unassigned']);
  }
  if (outcome.attribution.casesOpened > 0)
    cards.push([t('reports.result.casesOpened'), outcome.attribution.casesOpened, 'result-cases-opened']);
  if (cases.data) cards.push([t('reports.result.casesTouched'), cases.data.total, 'result-cases-touched']);
  if (outcome.suggestions > 0) cards.push([t('reports.result.suggestions'), outcome.suggestions, 'result-suggestions']);

  return (
    <section className="section" data-testid="import-result">
      <div className="section-header">
        <h2>{t('reports.result.title')}</h2>
      </div>
      {outcome.duplicate ? (
        <p className="alert alert-info" data-testid="result-duplicate">
          {t('reports.result.duplicate', { id: outcome.reportId })}
        </p>
      ) : (
        <p className="alert alert-ok" data-testid="result-report">
          {t('reports.result.report', {
            id: outcome.reportId,
            format: formatName(outcome.format, t),
            state: stateName(outcome.state, t),
          })}
        </p>
      )}
      <div className="cards">
        {cards.map(([label, value, testId]) => (
          <div className="card" key={testId}>
            <div className="card-label">{label}</div>
            <div className="card-value" data-testid={testId}>
              {fmt.number(value)}
            </div>
          </div>
        ))}
      </div>
      {report.error && <ErrorMessage error={report.error} onRetry={report.reload} />}
      {cases.error && <ErrorMessage error={cases.error} onRetry={cases.reload} />}
      {cases.data && cases.data.items.length > 0 && (
        <ul className="result-cases" data-testid="result-cases">
          {cases.data.items.map((c) => (
            <li key={c.id}>
              <Link href={`/cases/${c.id}`} data-testid="result-case-link">
                {t('reports.result.caseLink', {
                  id: c.id,
                  type: classLabel(c.type, t),
                  subscriber: c.subscriberId,
                  events: fmt.number(c.events),
                })}
              </Link>
            </li>
          ))}
          {cases.data.total > cases.data.items.length && (
            <li className="muted">
              {t('reports.result.moreCases', { count: cases.data.total - cases.data.items.length })}
            </li>
          )}
        </ul>
      )}
      <div className="form-actions result-links">
        <Link href="/cases" data-testid="result-open-cases">
          {t('reports.result.openCases')}
        </Link>
        {(report.data?.deadLetters ?? outcome.rejected) > 0 && (
          <Link href="/dead-letters" data-testid="result-open-dead-letters">
            {t('reports.result.openDeadLetters')}
          </Link>
        )}
        {(states?.unassigned ?? 0) > 0 && <Link href="/unassigned">{t('reports.result.openUnassigned')}</Link>}
        <button type="button" className="button" onClick={onAnother} data-testid="import-another">
          {t('reports.result.another')}
        </button>
      </div>
    </section>
  );
}

// The dashboard (the overview at /): status cards; sightings over time by category; the indicators and subscribers
// seen most (for roles that may read sightings); open cases by state and age; feed health; enforcement per point;
// observation drops; and the running / recent jobs with their progress, polled every 2 s while a job runs. The
// dashboard's parts come from one request (GET /api/dashboard); the page is "loaded" (data-testid dashboard-loaded,
// what the bench waits for) once it and the cards have arrived.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dashboard, DashboardRange } from '../api-types/dashboard';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { SightingsChart } from '../components/charts/SightingsChart';
import { EnforcementSummary } from '../components/dashboard/EnforcementSummary';
import { FeedHealth } from '../components/dashboard/FeedHealth';
import { ObservationDrops } from '../components/dashboard/ObservationDrops';
import { OpenCases } from '../components/dashboard/OpenCases';
import { Panel } from '../components/dashboard/Panel';
import { TopIndicators } from '../components/dashboard/TopIndicators';
import { TopSubscribers } from '../components/dashboard/TopSubscribers';
import { ErrorMessage } from '../components/ErrorMessage';
import { JobProgress } from '../components/JobProgress';
import { JobStateBadge, isActive } from '../components/JobState';
import { Link } from '../components/Link';
import { Time } from '../components/Time';
import type { AlertList, Job, JobList, Overview } from '../types';
import '../styles/dashboard.css';

const RECENT_JOBS = 10;
const RANGES: readonly DashboardRange[] = ['24h', '30d'];
const RANGE_KEY = 'mizugiwa.dashboard.range';

function storedRange(): DashboardRange {
  try {
    const value = localStorage.getItem(RANGE_KEY);
    return value === '30d' ? '30d' : '24h';
  } catch {
    return '24h';
  }
}

type Card = { key: string; label: string; value: string; text?: boolean; href?: string; warn?: boolean };

function byActivityThenStart(a: Job, b: Job): number {
  const activeA = isActive(a.state) ? 0 : 1;
  const activeB = isActive(b.state) ? 0 : 1;
  if (activeA !== activeB) return activeA - activeB;
  return (b.startedAt ?? '').localeCompare(a.startedAt ?? '');
}

export function Home() {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const [range, setRange] = useState<DashboardRange>(storedRange);
  const chooseRange = (next: DashboardRange) => {
    setRange(next);
    try {
      localStorage.setItem(RANGE_KEY, next);
    } catch {
      // private mode: the choice lasts for this page only
    }
  };
  const dashboard = useApi<Dashboard>(`/api/dashboard?range=${range}&tz=${encodeURIComponent(fmt.timeZone)}`);
  const overview = useApi<Overview>('/api/overview', { pollWhile: (o) => o.counts.jobsRunning > 0 });
  const alerts = useApi<AlertList>('/api/alerts');
  const jobs = useApi<JobList>(`/api/jobs?limit=${RECENT_JOBS}`, {
    pollWhile: (list) => list.items.some((job) => isActive(job.state)),
  });

  // When the last job finishes, refresh the counts once so they do not stay one poll behind.
  const wasPolling = useRef(false);
  const { reload: reloadOverview } = overview;
  useEffect(() => {
    if (wasPolling.current && !jobs.polling) reloadOverview();
    wasPolling.current = jobs.polling;
  }, [jobs.polling, reloadOverview]);

  const counts = overview.data?.counts;
  const openAlerts = alerts.data?.items.length;
  const cards: Card[] = overview.data
    ? [
        { key: 'version', label: t('home.cards.version'), value: overview.data.version, text: true },
        {
          key: 'database',
          label: t('home.cards.database'),
          value: t(`home.databases.${overview.data.database}`, { defaultValue: overview.data.database }),
          text: true,
        },
        { key: 'users', label: t('home.cards.users'), value: fmt.number(counts?.users) },
        { key: 'activeTokens', label: t('home.cards.activeTokens'), value: fmt.number(counts?.activeTokens) },
        {
          key: 'deadLetters',
          label: t('home.cards.deadLetters'),
          value: fmt.number(counts?.deadLetters),
          href: '/dead-letters',
        },
        { key: 'auditEntries', label: t('home.cards.auditEntries'), value: fmt.number(counts?.auditEntries) },
        {
          key: 'jobsRunning',
          label: t('home.cards.jobsRunning'),
          value: fmt.number(counts?.jobsRunning),
          href: '/jobs',
        },
        {
          key: 'openAlerts',
          label: t('home.cards.openAlerts'),
          value: fmt.number(openAlerts),
          href: '/enforcement',
          warn: (openAlerts ?? 0) > 0,
        },
      ]
    : [];

  const sorted = [...(jobs.data?.items ?? [])].sort(byActivityThenStart);
  const dash = dashboard.data;
  const loaded = overview.data !== undefined && dash !== undefined && !dashboard.loading;

  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="home-title">{t('home.title')}</h1>
        <div className="page-actions">
          <div className="dash-range" role="group" aria-label={t('dashboard.range.label')}>
            {RANGES.map((r) => (
              <button
                key={r}
                type="button"
                className={r === range ? 'button button-small button-primary' : 'button button-small'}
                aria-pressed={r === range}
                onClick={() => chooseRange(r)}
                data-testid={`dash-range-${r}`}
              >
                {t(`dashboard.range.${r}`)}
              </button>
            ))}
          </div>
          <button
            type="button"
            className="button button-small"
            onClick={() => {
              dashboard.reload();
              overview.reload();
            }}
            disabled={dashboard.loading}
            data-testid="dash-refresh"
          >
            {t('dashboard.refresh')}
          </button>
        </div>
      </header>
      {loaded && <span hidden data-testid="dashboard-loaded" data-range={dash.range} />}

      {overview.error && <ErrorMessage error={overview.error} onRetry={overview.reload} />}
      {!overview.data && overview.loading && <p className="muted">{t('common.loading')}</p>}
      {cards.length > 0 && (
        <section className="cards" data-testid="overview-cards">
          {cards.map((card) => {
            const body = (
              <>
                <div className="card-label">{card.label}</div>
                <div className={card.text ? 'card-value card-value-text' : 'card-value'}>{card.value}</div>
              </>
            );
            return card.href ? (
              <Link
                key={card.key}
                href={card.href}
                className={card.warn ? 'card card-link card-warn' : 'card card-link'}
                data-testid={`card-${card.key}`}
              >
                {body}
              </Link>
            ) : (
              <div key={card.key} className="card" data-testid={`card-${card.key}`}>
                {body}
              </div>
            );
          })}
        </section>
      )}

      {dashboard.error && <ErrorMessage error={dashboard.error} onRetry={dashboard.reload} testId="dash-error" />}
      {!dash && dashboard.loading && <p className="muted">{t('common.loading')}</p>}
      {dash && (
        <div className="dash-grid" data-testid="dashboard" aria-busy={dashboard.loading}>
          <Panel
            title={t('dashboard.chart.title')}
            testId="dash-chart"
            wide
            aside={
              <span className="muted small">
                {t('dashboard.generatedAt', { time: fmt.dateTime(dash.generatedAt) })}
              </span>
            }
          >
            <p className="muted small">
              {t('dashboard.chart.hint', { bucket: t(`dashboard.chart.buckets.${dash.sightings.bucket}`) })}
            </p>
            {dash.sightings.series.length === 0 ? (
              <p className="empty" data-testid="dash-chart-empty">
                {t('dashboard.chart.empty')}
              </p>
            ) : (
              <SightingsChart
                bucket={dash.sightings.bucket}
                starts={dash.sightings.starts}
                series={dash.sightings.series}
              />
            )}
          </Panel>
          {dash.topIndicators && <TopIndicators items={dash.topIndicators} />}
          {dash.topSubscribers && <TopSubscribers items={dash.topSubscribers} />}
          <OpenCases cases={dash.cases} />
          <EnforcementSummary points={dash.enforcement} />
          <FeedHealth feeds={dash.feeds} />
          <ObservationDrops inputs={dash.observation} />
        </div>
      )}

      <section className="section">
        <div className="section-header">
          <h2>{t('home.jobsTitle')}</h2>
          {jobs.polling && (
            <span className="muted live" aria-live="polite">
              {t('jobs.polling')}
            </span>
          )}
          <Link href="/jobs" className="section-link">
            {t('home.allJobs')}
          </Link>
        </div>
        {jobs.error && <ErrorMessage error={jobs.error} onRetry={jobs.reload} />}
        {jobs.data && sorted.length === 0 && <p className="empty">{t('home.noJobs')}</p>}
        {sorted.length > 0 && (
          <ul className="job-list" data-testid="home-jobs">
            {sorted.map((job) => (
              <li key={job.id} className="job-item">
                <div className="job-head">
                  <span className="job-kind">{job.kind}</span>
                  <span className="muted">#{job.id}</span>
                  <JobStateBadge state={job.state} />
                  <span className="job-times muted">
                    {job.startedAt && <Time value={job.startedAt} />}
                    {job.finishedAt && (
                      <>
                        {' → '}
                        <Time value={job.finishedAt} />
                      </>
                    )}
                  </span>
                </div>
                <JobProgress job={job} />
                {job.message && <div className="job-message">{job.message}</div>}
                {job.error && <div className="job-error">{job.error}</div>}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

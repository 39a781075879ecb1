// Jobs: every long-running task with its state and progress, polled every 2 s while one is running.
import { useTranslation } from 'react-i18next';
import { useApi } from '../hooks';
import { ErrorMessage } from '../components/ErrorMessage';
import { JobProgress } from '../components/JobProgress';
import { JobStateBadge, isActive } from '../components/JobState';
import { Time } from '../components/Time';
import type { JobList } from '../types';

export function Jobs() {
  const { t } = useTranslation();
  const jobs = useApi<JobList>('/api/jobs?limit=50', {
    pollWhile: (list) => list.items.some((job) => isActive(job.state)),
  });
  const items = jobs.data?.items ?? [];

  return (
    <div className="page">
      <header className="page-header">
        <h1 data-testid="jobs-title">{t('jobs.title')}</h1>
        <div className="page-actions">
          {jobs.polling && <span className="muted live">{t('jobs.polling')}</span>}
          <button type="button" className="button" onClick={jobs.reload} disabled={jobs.loading}>
            {t('common.refresh')}
          </button>
        </div>
      </header>
      {jobs.error && <ErrorMessage error={jobs.error} onRetry={jobs.reload} />}
      {!jobs.data && jobs.loading && <p className="muted">{t('common.loading')}</p>}
      {jobs.data && items.length === 0 && (
        <p className="empty" data-testid="jobs-empty">
          {t('jobs.empty')}
        </p>
      )}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="jobs-table">
            <thead>
              <tr>
                <th className="num">{t('jobs.columns.id')}</th>
                <th>{t('jobs.columns.kind')}</th>
                <th>{t('jobs.columns.state')}</th>
                <th className="col-progress">{t('jobs.columns.progress')}</th>
                <th>{t('jobs.columns.message')}</th>
                <th>{t('jobs.columns.startedAt')}</th>
                <th>{t('jobs.columns.finishedAt')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((job) => (
                <tr key={job.id} data-testid="job-row">
                  <td className="num">{job.id}</td>
                  <td className="mono" data-testid="job-kind">
                    {job.kind}
                  </td>
                  <td data-testid="job-state">
                    <JobStateBadge state={job.state} />
                  </td>
                  <td className="col-progress">
                    <JobProgress job={job} />
                  </td>
                  <td className="wrap">
                    {job.message}
                    {job.error && <div className="job-error">{job.error}</div>}
                  </td>
                  <td>
                    <Time value={job.startedAt} />
                  </td>
                  <td>
                    <Time value={job.finishedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

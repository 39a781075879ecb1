// A fetch job followed to its end: the progress bar while it runs (polling /api/jobs/:id), then its outcome.
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../hooks';
import type { Job } from '../types';
import { ErrorMessage } from './ErrorMessage';
import { JobProgress } from './JobProgress';
import { isActive, JobStateBadge } from './JobState';

export function FetchProgress(props: { jobId: number; testId: string; onFinished(job: Job): void }) {
  const { t } = useTranslation();
  const job = useApi<Job>(`/api/jobs/${props.jobId}`, { pollWhile: (j) => isActive(j.state) });
  const onFinished = useRef(props.onFinished);
  onFinished.current = props.onFinished;
  const reported = useRef(false);
  const j = job.data;
  useEffect(() => {
    if (!j || isActive(j.state) || reported.current) return;
    reported.current = true;
    onFinished.current(j);
  }, [j]);

  return (
    <div className="intel-fetch" data-testid={props.testId} aria-live="polite">
      {job.error && <ErrorMessage error={job.error} onRetry={job.reload} />}
      {j && (
        <>
          <div className="job-head">
            <JobStateBadge state={j.state} />
            <span className="small muted">#{j.id}</span>
          </div>
          <JobProgress job={j} />
          {j.state === 'succeeded' && (
            <p className="small" data-testid={`${props.testId}-done`}>
              {t('sources.fetchDone')}
            </p>
          )}
          {j.state === 'failed' && (
            <p className="alert alert-error" data-testid={`${props.testId}-error`}>
              {t('sources.fetchFailed', { error: j.error ?? '' })}
            </p>
          )}
        </>
      )}
    </div>
  );
}

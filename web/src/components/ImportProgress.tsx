// An import under way: the bytes sent while the file uploads, then (for a large file, which the server imports as
// a job) the job's progress, polled until it ends; then what came of it is handed to onDone.
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImportJob, ImportOutcome } from '../api-types/reports';
import { useApp } from '../context';
import { useApi } from '../hooks';
import { ErrorMessage } from './ErrorMessage';
import { isActive } from './JobState';
import { JobProgress } from './JobProgress';

export function UploadProgress({ sent, total }: { sent: number; total: number }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const percent = total > 0 ? Math.floor((Math.min(sent, total) / total) * 100) : 0;
  const text = [
    t('jobs.doneOfTotal', { done: fmt.bytes(sent), total: fmt.bytes(total) }),
    t('jobs.percent', { percent }),
  ].join(' · ');
  return (
    <div className="progress" data-testid="upload-progress">
      <div className="small">{t('reports.import.uploading')}</div>
      <div
        className="progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={sent}
        aria-valuetext={text}
      >
        <div className="progress-fill progress-running" style={{ width: `${percent}%` }} />
      </div>
      <div className="progress-text">{text}</div>
    </div>
  );
}

export function ImportJobProgress(props: {
  jobId: number;
  onDone(outcome: ImportOutcome): void;
  onFailed(error: string): void;
}) {
  const { t } = useTranslation();
  const { jobId, onDone, onFailed } = props;
  const state = useApi<ImportJob>(`/api/abuse/imports/${jobId}`, { pollWhile: (d) => isActive(d.job.state) });
  const job = state.data?.job;
  const outcome = state.data?.outcome;
  useEffect(() => {
    if (!job || isActive(job.state)) return;
    if (job.state === 'succeeded' && outcome) onDone(outcome);
    else if (job.state !== 'succeeded') onFailed(job.error ?? job.state);
  }, [job, outcome, onDone, onFailed]);
  return (
    <div data-testid="import-job">
      <div className="small">{t('reports.import.job')}</div>
      {job && <JobProgress job={job} />}
      {job?.message && <p className="muted small">{job.message}</p>}
      {state.error && <ErrorMessage error={state.error} onRetry={state.reload} />}
    </div>
  );
}

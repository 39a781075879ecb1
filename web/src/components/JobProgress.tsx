// Progress of one job: a bar (indeterminate when the total is unknown), done / total, rate and ETA.
import { useTranslation } from 'react-i18next';
import { useApp } from '../context';
import type { Job } from '../types';
import { isActive } from './JobState';

export function JobProgress({ job }: { job: Job }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const known = job.total !== null && job.total > 0;
  const ratio = known ? Math.min(1, Math.max(0, job.done / (job.total as number))) : job.state === 'succeeded' ? 1 : 0;
  const percent = Math.floor(ratio * 100);
  const indeterminate = !known && job.state === 'running';
  const active = isActive(job.state);

  const parts: string[] = [
    known
      ? t('jobs.doneOfTotal', { done: fmt.number(job.done), total: fmt.number(job.total) })
      : t('jobs.done', { done: fmt.number(job.done) }),
  ];
  if (known) parts.push(t('jobs.percent', { percent }));
  if (active && job.ratePerSecond !== null) parts.push(t('jobs.rate', { rate: fmt.number(job.ratePerSecond, 1) }));
  if (active && job.etaSeconds !== null) parts.push(t('jobs.eta', { eta: fmt.duration(job.etaSeconds) }));

  return (
    <div className="progress">
      <div
        className={`progress-track${indeterminate ? ' progress-indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={known ? (job.total as number) : undefined}
        aria-valuenow={known ? job.done : undefined}
        aria-valuetext={parts.join(' · ')}
      >
        <div
          className={`progress-fill progress-${job.state}`}
          style={indeterminate ? undefined : { width: `${percent}%` }}
        />
      </div>
      <div className="progress-text">{parts.join(' · ')}</div>
    </div>
  );
}

// A replay job followed to its end, then what it came to: how many letters went through and which still fail (with
// the reason their parser gave this time).
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toApiError, type ApiError } from '../api';
import { useApi } from '../hooks';
import { useApp } from '../context';
import type { Job } from '../types';
import type { ReplayOutcome } from '../api-types/deadletters';
import { lettersOfSource, replayOutcome } from '../deadletter-replay';
import { ErrorMessage } from './ErrorMessage';
import { JobProgress } from './JobProgress';
import { isActive, JobStateBadge } from './JobState';

export interface ReplayRun {
  jobId: number;
  ids: number[];
  source: string;
}

export function DeadLetterReplay(props: { run: ReplayRun; onFinished(): void }) {
  const { t } = useTranslation();
  const { fmt } = useApp();
  const { run } = props;
  const job = useApi<Job>(`/api/jobs/${run.jobId}`, { pollWhile: (j) => isActive(j.state) });
  const [outcome, setOutcome] = useState<ReplayOutcome>();
  const [error, setError] = useState<ApiError>();
  const onFinished = useRef(props.onFinished);
  onFinished.current = props.onFinished;
  const counted = useRef(false);
  const j = job.data;

  useEffect(() => {
    if (!j || isActive(j.state) || counted.current) return;
    counted.current = true;
    lettersOfSource(run.source)
      .then((after) => setOutcome(replayOutcome(run.ids, after)))
      .catch((err: unknown) => setError(toApiError(err)))
      .finally(() => onFinished.current());
  }, [j, run]);

  return (
    <div className="card deadletter-replay" data-testid="deadletter-replay" aria-live="polite">
      <h2>{t('deadLetters.replay.title', { count: run.ids.length, source: run.source })}</h2>
      {job.error && <ErrorMessage error={job.error} onRetry={job.reload} />}
      {j && (
        <>
          <div className="job-head">
            <JobStateBadge state={j.state} />
            <span className="small muted">#{j.id}</span>
          </div>
          <JobProgress job={j} />
          {j.state === 'failed' && (
            <p className="alert alert-error" data-testid="deadletter-replay-error">
              {t('deadLetters.replay.failed', { error: j.error ?? '' })}
            </p>
          )}
        </>
      )}
      {error && <ErrorMessage error={error} />}
      {outcome && (
        <>
          <p
            className={`alert ${outcome.stillFailing > 0 ? 'alert-warn' : 'alert-ok'}`}
            data-testid="deadletter-replay-outcome"
          >
            {t('deadLetters.replay.outcome', {
              replayed: fmt.number(outcome.replayed),
              stillFailing: fmt.number(outcome.stillFailing),
            })}
          </p>
          {outcome.errors.length > 0 && (
            <ul className="small" data-testid="deadletter-replay-errors">
              {outcome.errors.slice(0, 20).map((e) => (
                <li key={e.id} className="wrap">
                  #{e.id}: {e.error}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

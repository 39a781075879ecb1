// A job's state as a coloured badge.
import { useTranslation } from 'react-i18next';
import type { JobState as State } from '../types';

export function JobStateBadge({ state }: { state: State }) {
  const { t } = useTranslation();
  return <span className={`badge badge-${state}`}>{t(`jobs.states.${state}`, { defaultValue: state })}</span>;
}

export function isActive(state: State): boolean {
  return state === 'running' || state === 'queued';
}

// The filter form of the Sightings screen. Fields are edited freely and applied together, so a half-typed address
// sends no request. Times are typed in the operator's time zone (the one every time on screen is shown in) and sent
// to the server as UTC. The screen gives the filter it starts with (from the address), shown in the fields.
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SightingQuery } from '../api-types/sightings';
import { useApp } from '../context';
import { utcToWallTime } from '../sighting-location';
import { categoryLabel, CATEGORIES, OBSERVATION_POINTS, pointLabel } from '../sighting-terms';
import type { Category, ObservationPoint } from '../types';
import { wallTimeToUtc } from '../zoned-time';

interface Draft {
  indicator: string;
  client: string;
  subscriber: string;
  point: ObservationPoint | '';
  category: Category | '';
  /** As a datetime-local field holds it: "2025-04-01T09:30", in the operator's zone. */
  from: string;
  to: string;
}

const EMPTY: Draft = { indicator: '', client: '', subscriber: '', point: '', category: '', from: '', to: '' };

function draftOf(filter: SightingQuery, timeZone: string): Draft {
  return {
    indicator: filter.indicator ?? '',
    client: filter.client ?? '',
    subscriber: filter.subscriber ?? '',
    point: filter.point ?? '',
    category: filter.category ?? '',
    from: filter.from ? utcToWallTime(filter.from, timeZone) : '',
    to: filter.to ? utcToWallTime(filter.to, timeZone) : '',
  };
}

export function SightingFilters({
  initial,
  onApply,
}: {
  initial: SightingQuery;
  onApply(filter: SightingQuery): void;
}) {
  const { t } = useTranslation();
  const { timeZone } = useApp();
  const [draft, setDraft] = useState<Draft>(() => draftOf(initial, timeZone));
  const [problem, setProblem] = useState<string>();
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const filter: SightingQuery = {};
    if (draft.indicator.trim()) filter.indicator = draft.indicator.trim();
    if (draft.client.trim()) filter.client = draft.client.trim();
    if (draft.subscriber.trim()) filter.subscriber = draft.subscriber.trim();
    if (draft.point) filter.point = draft.point;
    if (draft.category) filter.category = draft.category;
    for (const bound of ['from', 'to'] as const) {
      if (!draft[bound]) continue;
      const utc = wallTimeToUtc(draft[bound], timeZone);
      if (!utc) {
        setProblem(t('sightings.filters.badTime', { field: t(`sightings.filters.${bound}`, { zone: timeZone }) }));
        return;
      }
      filter[bound] = utc;
    }
    setProblem(undefined);
    onApply(filter);
  };

  const clear = () => {
    setDraft(EMPTY);
    setProblem(undefined);
    onApply({});
  };

  return (
    <form className="filters" onSubmit={submit} data-testid="sightings-filters">
      <label className="field">
        <span>{t('sightings.filters.indicator')}</span>
        <input
          type="search"
          value={draft.indicator}
          placeholder={t('sightings.filters.indicatorHint')}
          onChange={(e) => set('indicator', e.target.value)}
          data-testid="sightings-filter-indicator"
        />
      </label>
      <label className="field">
        <span>{t('sightings.filters.client')}</span>
        <input
          type="search"
          value={draft.client}
          placeholder={t('sightings.filters.clientHint')}
          onChange={(e) => set('client', e.target.value)}
          data-testid="sightings-filter-client"
        />
      </label>
      <label className="field">
        {/* The cases queue's words for the same ID, so both screens name it alike. */}
        <span>{t('cases.filters.subscriber')}</span>
        <input
          type="search"
          value={draft.subscriber}
          placeholder={t('cases.filters.subscriberHint')}
          onChange={(e) => set('subscriber', e.target.value)}
          data-testid="sightings-filter-subscriber"
        />
      </label>
      <label className="field">
        <span>{t('sightings.filters.point')}</span>
        <select
          value={draft.point}
          onChange={(e) => set('point', e.target.value as Draft['point'])}
          data-testid="sightings-filter-point"
        >
          <option value="">{t('sightings.filters.any')}</option>
          {OBSERVATION_POINTS.map((point) => (
            <option key={point} value={point}>
              {pointLabel(point, t)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('sightings.filters.category')}</span>
        <select
          value={draft.category}
          onChange={(e) => set('category', e.target.value as Draft['category'])}
          data-testid="sightings-filter-category"
        >
          <option value="">{t('sightings.filters.any')}</option>
          {CATEGORIES.map((category) => (
            <option key={category} value={category}>
              {categoryLabel(category, t)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('sightings.filters.from', { zone: timeZone })}</span>
        <input
          type="datetime-local"
          value={draft.from}
          onChange={(e) => set('from', e.target.value)}
          data-testid="sightings-filter-from"
        />
      </label>
      <label className="field">
        <span>{t('sightings.filters.to', { zone: timeZone })}</span>
        <input
          type="datetime-local"
          value={draft.to}
          onChange={(e) => set('to', e.target.value)}
          data-testid="sightings-filter-to"
        />
      </label>
      <div className="form-actions">
        <button type="submit" className="button button-primary" data-testid="sightings-apply">
          {t('sightings.filters.apply')}
        </button>
        <button type="button" className="button" onClick={clear} data-testid="sightings-clear">
          {t('sightings.filters.clear')}
        </button>
        {problem && (
          <span className="form-problem" role="alert" data-testid="sightings-filter-problem">
            {problem}
          </span>
        )}
      </div>
    </form>
  );
}

// The points and categories sightings carry, as the server defines them (src/domain/observation.ts,
// src/domain/indicator.ts), and their names in the UI's language. A value the UI does not know yet (added on the server
// later) shows as it is.
import type { TFunction } from 'i18next';
import type { Category, ObservationPoint } from './types';

export const OBSERVATION_POINTS: readonly ObservationPoint[] = ['dns', 'proxy', 'firewall', 'mail', 'sinkhole'];
export const CATEGORIES: readonly Category[] = [
  'c2',
  'malware',
  'phishing',
  'botnet',
  'spam',
  'scanner',
  'blocklist',
  'other',
];

export function isObservationPoint(value: string): value is ObservationPoint {
  return (OBSERVATION_POINTS as readonly string[]).includes(value);
}

export function isCategory(value: string): value is Category {
  return (CATEGORIES as readonly string[]).includes(value);
}

export function pointLabel(point: string, t: TFunction): string {
  return isObservationPoint(point) ? t(`sightings.points.${point}`) : point;
}

export function categoryLabel(category: string, t: TFunction): string {
  return isCategory(category) ? t(`sightings.categories.${category}`) : category;
}

import type { Category, ClaimMode, IndicatorType, Tlp } from '../domain/indicator.js';

/** How a source's feed relates to what it said before. */
export type SnapshotKind = 'full' | 'delta';

/** What ingest needs to know about a source: where its records go and what fills in what the feed leaves out. */
export type SourceSpec = {
  name: string;
  format: string;
  /** A file path or URL, when the source has one. */
  location?: string | undefined;
  /** full: the feed lists everything current, so what vanished is retired; delta: it only adds and updates. */
  snapshot: SnapshotKind;
  /** monitor: every claim of the source is watch-only, whatever the feed says. */
  mode: ClaimMode;
  defaults: SourceDefaults;
  /** A full snapshot that would retire more than this share of the source's claims is held for review. */
  maxRetireShare: number;
};

export type SourceDefaults = {
  category: Category;
  confidence: number;
  tlp: Tlp;
  /** How long a claim counts after the feed last listed it, per indicator type, in seconds. */
  ttlSeconds: Record<IndicatorType, number>;
};

const DAY = 86_400;

/** Time-to-live defaults: addresses churn fastest, hashes never change meaning. */
export const DEFAULT_TTL_SECONDS: Record<IndicatorType, number> = {
  ipv4: 7 * DAY,
  ipv6: 7 * DAY,
  cidr: 7 * DAY,
  'ip-port': 7 * DAY,
  domain: 30 * DAY,
  url: 14 * DAY,
  email: 30 * DAY,
  md5: 90 * DAY,
  sha1: 90 * DAY,
  sha256: 90 * DAY,
};

export const DEFAULT_SOURCE_DEFAULTS: SourceDefaults = {
  category: 'other',
  confidence: 50,
  tlp: 'clear',
  ttlSeconds: DEFAULT_TTL_SECONDS,
};

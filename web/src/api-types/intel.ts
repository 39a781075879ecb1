// The shapes of the intel API the Indicators and Sources screens read (src/api/routes/intel-*.ts). Times are ISO 8601
// UTC strings.
import type { EnforcePoint } from '../types';

export type IndicatorType =
  'domain' | 'ipv4' | 'ipv6' | 'cidr' | 'ip-port' | 'url' | 'email' | 'md5' | 'sha1' | 'sha256';

export interface IndicatorRef {
  type: IndicatorType;
  value: string;
}

export interface IndicatorMatch extends IndicatorRef {
  sources: number;
  categories: string[];
  effective: boolean;
  suppressed: boolean;
  validUntil: string;
}

export interface IndicatorSearchPage {
  normalised: IndicatorRef | null;
  items: IndicatorMatch[];
  next: string | null;
}

export interface AllowVerdict {
  list: string;
  entry: string;
  mode: 'block' | 'inform';
}

export interface Claim {
  source: string;
  type: string;
  value: string;
  category: string;
  confidence: number;
  tags: string[];
  firstSeen: string;
  lastSeen: string;
  validUntil: string;
  tlp: string;
  reference: string | null;
  mode: string;
  suppressedBy: string | null;
  reviewBy: string | null;
  updatedAt: string;
  effective: boolean;
}

export type NotCarried =
  'point-disabled' | 'type-not-carried' | 'no-effective-claim' | 'category-not-carried' | 'allowlisted';
export type MonitorReason = 'monitor-all' | 'point-monitor' | 'claim-monitor';

export interface PointEnforcement {
  point: EnforcePoint;
  enabled: boolean;
  categories: string[];
  action: 'block' | 'monitor' | null;
  notCarried: NotCarried | null;
  monitorReason: MonitorReason | null;
  stoppedBy: string | null;
}

export interface ConsoleEntryRef {
  verdict: string;
  id: string;
  reason: string;
  expiresAt: string | null;
  addedBy: string;
  addedAt: string;
}

export interface IndicatorDetail {
  indicator: IndicatorRef;
  effective: boolean;
  allowlisted: AllowVerdict | null;
  claims: Claim[];
  enforcement: PointEnforcement[];
  consoleEntries: ConsoleEntryRef[];
}

export type ConsoleAllowKind = 'exact' | 'hostname' | 'cidr';

export interface ConsoleEntry {
  id: string;
  kind: ConsoleAllowKind;
  value: string;
  reason: string;
  expiresAt: string | null;
  addedBy: string;
  addedAt: string;
  expired: boolean;
}

export interface ConsoleEntryPage {
  list: string;
  file: string;
  total: number;
  items: ConsoleEntry[];
}

export interface IngestResult {
  generation: number;
  accepted: number;
  rejected: number;
  suppressed: number;
  flagged: number;
  total: number;
  retired: number;
  held: { wouldRetire: number; of: number; share: number } | null;
}

export interface SourceCounts {
  total: number;
  effective: number;
  expired: number;
  suppressed: number;
  review: number;
}

export interface Source {
  name: string;
  format: string;
  location: string | null;
  snapshot: 'full' | 'delta';
  mode: 'block' | 'monitor';
  configured: boolean;
  schedule: string | null;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastResult: IngestResult | null;
  lastError: string | null;
  runningJob: number | null;
  counts: SourceCounts;
  deadLetters: number;
  recentFailures: { job: number; at: string; error: string }[];
}

export interface SourceList {
  items: Source[];
}

export interface RetireCandidate {
  type: string;
  value: string;
  category: string;
  lastSeen: string;
  validUntil: string;
}

export interface HeldDiff {
  source: string;
  runAt: string | null;
  generation: number;
  held: { wouldRetire: number; of: number; share: number };
  listed: number;
  added: number | null;
  removed: number;
  removedItems: RetireCandidate[];
}

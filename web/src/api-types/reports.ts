// The shapes of the abuse intake and notice-template API (src/api/routes/abuse-reports.ts, abuse-mappings.ts,
// abuse-notices.ts) as the Reports intake screen and the template editor use them.
import type { Job } from '../types';

export const ABUSE_FORMATS = ['arf', 'xarf', 'shadowserver', 'acns', 'csv', 'mail'] as const;
export type AbuseFormat = (typeof ABUSE_FORMATS)[number];

/** The event fields a CSV column can be mapped to (src/abuse/formats/csv-mapping-schema.ts FIELDS). */
export const MAPPING_FIELDS = [
  'time',
  'address',
  'port',
  'destination_address',
  'destination_port',
  'protocol',
  'hostname',
  'url',
  'identifier',
] as const;
export type MappingField = (typeof MAPPING_FIELDS)[number];

/** A column mapping as the server stores it; the screen edits the parts it knows and keeps the rest. */
export interface MappingDraft {
  name?: string;
  description?: string;
  encoding?: 'utf-8' | 'shift_jis';
  delimiter?: string;
  skip_lines?: number;
  header?: boolean;
  columns?: Partial<Record<MappingField, string | number>>;
  /** One class for every row, or (written with the CLI) the class read from a column. */
  type?: string | { column: string | number; values: Record<string, string>; default?: string };
  time_zone?: string;
  time_format?: string;
  reporter?: string;
  report_type?: string;
  [other: string]: unknown;
}

export interface MappingSummary {
  name: string;
  updatedBy: string;
  updatedAt: string;
  description?: string;
}

export interface MappingList {
  items: MappingSummary[];
}

export interface SavedMapping extends MappingSummary {
  mapping: MappingDraft;
}

export interface PreviewEvent {
  position: string;
  type: string;
  time: string;
  address: string | null;
  port: number | null;
  hostname: string | null;
  url: string | null;
  destinationAddress: string | null;
  destinationPort: number | null;
  protocol: string | null;
  identifier: string | null;
  reporter: string;
  reportType: string;
  needsReview: boolean;
  detail: Record<string, string> | null;
}

export interface PreviewRejected {
  reason: string;
  position: string;
  raw: string;
}

export interface ReportPreview {
  format: AbuseFormat | null;
  detected: boolean;
  matchingMappings: string[];
  csv: { columns: string[]; rows: string[][]; problems: string[] } | null;
  counts: { events: number; rejected: number; suggestions: number };
  events: PreviewEvent[];
  rejected: PreviewRejected[];
  partial: boolean;
}

export interface PreviewRequest {
  fileName: string;
  content: string;
  complete: boolean;
  format?: AbuseFormat;
  mapping?: MappingDraft;
  mappingName?: string;
  reportType?: string;
  limit?: number;
}

export interface ImportOutcome {
  reportId: number;
  duplicate: boolean;
  format: string | null;
  state: string;
  events: number;
  rejected: number;
  suggestions: number;
  attribution: { attributed: number; unassigned: number; casesOpened: number };
}

export interface ImportJob {
  job: Job & { kind: string };
  outcome: ImportOutcome | null;
}

/** GET /api/abuse/reports/:id, the parts the import result shows. */
export interface ReportDetail {
  report: { id: number; format: string | null; state: string; events: number; rejected: number };
  /** The report's events by state: new, attributed, unassigned, … */
  events: Record<string, number>;
  deadLetters: number;
  suggestions: { kind: string; value: string; context: string; evidence: string }[];
}

export interface ReportCases {
  items: { id: number; type: string; state: string; subscriberId: string; events: number }[];
  total: number;
}

export type NoticeLocale = 'ja' | 'en';
export const NOTICE_LOCALES: readonly NoticeLocale[] = ['ja', 'en'];

export interface TemplateSummary {
  name: string;
  locale: NoticeLocale;
  builtIn: boolean;
  overridden: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface TemplateList {
  items: TemplateSummary[];
}

export interface TemplateDetail extends TemplateSummary {
  source: string;
  builtInSource: string | null;
  usesTemplate: string;
}

export interface TemplatePreview {
  subject: string;
  body: string;
  locale: NoticeLocale;
  subscriberId: string;
  caseType: string;
}

import type { Kysely } from 'kysely';
import { isTriageSuggestion, type AbuseEvent } from '../domain/abuse-event.js';
import { isRejected } from '../domain/format.js';
import type { Database } from '../store/schema.js';
import { loadCsvMapping } from './csv-mappings.js';
import { parseCsvMapping, type CsvMapping } from './formats/csv-mapping-schema.js';
import { csvMappingFormat } from './formats/csv-mapping.js';
import { csvLayoutOf, readCsvSample, type CsvSample } from './formats/csv-sample.js';
import { abuseFormat, detectAbuseFormat, type AbuseFormatName } from './formats/registry.js';
import type { ShadowserverSchema } from './formats/shadowserver-schema.js';

// What an import would make of a report, from its first bytes, before anything is stored: the same
// parser and mapping the import uses, so the preview is exactly what the import would do. Nothing is
// written (no evidence, no report row, no dead letters). For a spreadsheet list it also gives the cells
// of the first rows, which the operator picks columns from while writing a mapping, and the saved
// mappings whose columns the list has.

/** The most of a file a preview reads: its beginning is enough to see whether it reads right. */
export const PREVIEW_MAX_BYTES = 1024 * 1024;
const SAMPLE_ROWS = 5;
const RAW_SHOWN = 2000;

export type PreviewRequest = {
  bytes: Uint8Array;
  /** The bytes are the whole file; otherwise its beginning, whose last (probably cut) line is left out. */
  complete: boolean;
  fileName: string;
  format?: AbuseFormatName | undefined;
  /** csv: a mapping being written, checked here as a save would check it. */
  mapping?: unknown;
  /** csv: a saved mapping. */
  mappingName?: string | undefined;
  reportType?: string | undefined;
  /** How many events (and how many rejected records) to return. */
  limit: number;
};

export type PreviewEvent = {
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
};

export type PreviewRejected = { reason: string; position: string; raw: string };

export type ReportPreview = {
  /** The format the import would read it with; null when it is not recognised and none was given. */
  format: AbuseFormatName | null;
  /** The format was recognised from the content, not given. */
  detected: boolean;
  /** Saved mappings whose columns this list has (when the format was neither given nor recognised). */
  matchingMappings: string[];
  /** csv (or not recognised): the first rows' cells, and what is wrong with the mapping given, if anything. */
  csv: (CsvSample & { problems: string[] }) | null;
  /** Records in the part read, before `limit`. */
  counts: { events: number; rejected: number; suggestions: number };
  events: PreviewEvent[];
  rejected: PreviewRejected[];
  /** Only the beginning of the file was read. */
  partial: boolean;
};

export async function previewReport(
  db: Kysely<Database>,
  request: PreviewRequest,
  options: { shadowserverSchema?: ShadowserverSchema | undefined } = {},
): Promise<ReportPreview> {
  const bytes = request.complete ? request.bytes : wholeLines(request.bytes);
  let mapping: CsvMapping | undefined;
  let problems: string[] = [];
  let layoutSource: unknown;
  if (request.mappingName !== undefined) {
    mapping = await loadCsvMapping(db, request.mappingName);
    layoutSource = mapping;
  } else if (request.mapping !== undefined) {
    const parsed = parseCsvMapping(request.mapping);
    if (parsed.ok) mapping = parsed.mapping;
    else problems = parsed.problems;
    layoutSource = request.mapping;
  }
  const withMapping = request.mappingName !== undefined || request.mapping !== undefined;
  const format = request.format ?? (withMapping ? 'csv' : detectAbuseFormat(bytes, request.fileName));
  const matchingMappings = format === undefined ? await mappingsMatching(db, bytes) : [];
  const csv =
    format === 'csv' || format === undefined
      ? { ...readCsvSample(bytes, csvLayoutOf(layoutSource), SAMPLE_ROWS), problems }
      : null;

  const preview: ReportPreview = {
    format: format ?? null,
    detected: request.format === undefined && !withMapping && format !== undefined,
    matchingMappings,
    csv,
    counts: { events: 0, rejected: 0, suggestions: 0 },
    events: [],
    rejected: [],
    partial: !request.complete,
  };
  if (format === undefined || (format === 'csv' && !mapping)) return preview;

  const parser = abuseFormat(format, {
    mapping,
    reportType: request.reportType,
    shadowserverSchema: options.shadowserverSchema,
  });
  const decoder = new TextDecoder(mapping?.encoding ?? 'utf-8');
  const input = (async function* () {
    yield bytes;
  })();
  const ctx = { source: 'preview', input: request.fileName, now: new Date() };
  for await (const record of parser.parse(input, ctx)) {
    if (isRejected(record)) {
      if (preview.rejected.length < request.limit)
        preview.rejected.push({
          reason: record.reason,
          position: record.position,
          raw: decoder.decode(record.raw.subarray(0, RAW_SHOWN * 3)).slice(0, RAW_SHOWN),
        });
      preview.counts.rejected++;
    } else if (isTriageSuggestion(record)) preview.counts.suggestions++;
    else {
      if (preview.events.length < request.limit) preview.events.push(eventView(record));
      preview.counts.events++;
    }
  }
  return preview;
}

/** The bytes up to and including the last line break: the beginning of a file without its cut-off line. */
function wholeLines(bytes: Uint8Array): Uint8Array {
  const end = bytes.lastIndexOf(0x0a);
  return end === -1 ? bytes : bytes.subarray(0, end + 1);
}

/** The saved mappings whose header row this list has (each mapping's own check, as when it is used). */
async function mappingsMatching(db: Kysely<Database>, head: Uint8Array): Promise<string[]> {
  const rows = await db.selectFrom('csvMappings').select(['name', 'mapping']).orderBy('name').execute();
  return rows
    .filter((row) => {
      const parsed = parseCsvMapping(JSON.parse(row.mapping));
      return parsed.ok && csvMappingFormat(parsed.mapping).sniff?.(head) === true;
    })
    .map((row) => row.name);
}

function eventView(e: AbuseEvent): PreviewEvent {
  return {
    position: e.evidence,
    type: e.type,
    time: e.time,
    address: e.source.address ?? null,
    port: e.source.port ?? null,
    hostname: e.source.hostname ?? null,
    url: e.source.url ?? null,
    destinationAddress: e.destination?.address ?? null,
    destinationPort: e.destination?.port ?? null,
    protocol: e.protocol ?? null,
    identifier: e.identifier ?? null,
    reporter: e.reporter,
    reportType: e.reportType,
    needsReview: e.needsReview === true,
    detail: e.detail ?? null,
  };
}

// What each Shadowserver report type means, as data: its RSIT class, the identifier (a fixed tag or a column),
// the default severity, and which columns hold the time, the two endpoints and the protocol. The bundled file
// (shadowserver-schema.json) covers the common reports; an operator adds a new report type by writing a file with
// just that entry, which is laid over the bundled one. This module validates such files and compiles them into the
// lookup the parser uses; it reads nothing per row.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError, formatPath } from '../../config/load.js';
import { isRsitType, type RsitType } from '../../domain/abuse-event.js';
import bundled from './shadowserver-schema.json' with { type: 'json' };

/** Shadowserver's severity levels, most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The event fields a report's columns can fill. */
export const COLUMN_FIELDS = [
  'time',
  'source_ip',
  'source_port',
  'source_hostname',
  'source_url',
  'source_asn',
  'destination_ip',
  'destination_port',
  'destination_hostname',
  'destination_url',
  'destination_asn',
  'protocol',
] as const;
export type ColumnField = (typeof COLUMN_FIELDS)[number];

/** One report type, compiled: column lists are candidates, the first one a file's header has is used. */
export type ShadowserverReport = {
  /** The report type as Shadowserver names it (`event4_sinkhole`), also for aliases. */
  name: string;
  /** Shadowserver's title of the report, for people. */
  title?: string | undefined;
  type: RsitType;
  /** Columns tried in order for the identifier; the first non-empty cell wins. */
  identifierColumns: readonly string[];
  /** The identifier when no identifier column has a value. */
  identifierDefault?: string | undefined;
  /** Given as `detail.severity` when a row has no severity column of its own. */
  severity?: Severity | undefined;
  /** Every event of this type is marked for a person to check. */
  review: boolean;
  columns: Readonly<Partial<Record<ColumnField, readonly string[]>>>;
  /** Columns not copied into an event's detail (the schema's enrichment columns): they stay in the evidence file. */
  notInDetail: ReadonlySet<string>;
};

export type ShadowserverSchema = {
  /** Report types by name, aliases included (an alias maps to the report of its canonical name). */
  reports: ReadonlyMap<string, ShadowserverReport>;
  /** How a report type the schema does not know is read: generically, and marked for review. */
  fallback: ShadowserverReport;
};

const columnRef = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const columns = z.strictObject(
  Object.fromEntries(COLUMN_FIELDS.map((f) => [f, columnRef.optional()])) as Record<
    ColumnField,
    z.ZodOptional<typeof columnRef>
  >,
);
const rsitType = z.string().refine(isRsitType, {
  message: 'not an RSIT type; use a machine-readable type from domain/abuse-event.ts (e.g. "infected-system")',
});
const report = z.strictObject({
  title: z.string().optional(),
  /** Why the report is classified so: for the person who reads or changes the file. */
  note: z.string().optional(),
  type: rsitType,
  identifier: z.union([
    z.string().min(1),
    z.strictObject({ column: columnRef, default: z.string().min(1).optional() }),
  ]),
  severity: z.enum(SEVERITIES).optional(),
  layout: z.string().min(1).optional(),
  columns: columns.optional(),
  review: z.boolean().optional(),
  aliases: z.array(z.string().min(1)).optional(),
});
const schemaFile = z.strictObject({
  $comment: z.string().optional(),
  enrichment: z.strictObject({ note: z.string().optional(), columns: z.array(z.string().min(1)) }).optional(),
  layouts: z.record(z.string(), columns).optional(),
  fallback: report.optional(),
  reports: z.record(z.string().min(1), report).optional(),
});

type SchemaFile = z.infer<typeof schemaFile>;
type ReportEntry = z.infer<typeof report>;

let bundledSchema: ShadowserverSchema | undefined;

/** The schema shipped with Mizugiwa (shadowserver-schema.json), compiled once. */
export function bundledShadowserverSchema(): ShadowserverSchema {
  bundledSchema ??= compile(
    validate(bundled, 'shadowserver-schema.json (bundled)'),
    'shadowserver-schema.json (bundled)',
  );
  return bundledSchema;
}

/**
 * Reads a schema file. By default its layouts and reports are laid over the bundled ones (a file with one new
 * report type adds that type); with `extend: false` it must stand alone, fallback included. Throws ConfigError
 * with every problem found, each as `path: what is wrong`.
 */
export async function loadShadowserverSchema(
  path: string,
  options: { extend?: boolean } = {},
): Promise<ShadowserverSchema> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [`the file cannot be read (${(error as Error).message}); check the path`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, [`not JSON: ${(error as Error).message}`]);
  }
  return shadowserverSchemaFrom(data, path, options);
}

/** As loadShadowserverSchema, for data already parsed (`origin` names it in errors). */
export function shadowserverSchemaFrom(
  data: unknown,
  origin: string,
  options: { extend?: boolean } = {},
): ShadowserverSchema {
  const file = validate(data, origin);
  if (options.extend === false) return compile(file, origin);
  const base = validate(bundled, 'shadowserver-schema.json (bundled)');
  return compile(
    {
      layouts: { ...base.layouts, ...file.layouts },
      enrichment: file.enrichment ?? base.enrichment,
      fallback: file.fallback ?? base.fallback,
      reports: { ...base.reports, ...file.reports },
    },
    origin,
  );
}

function validate(data: unknown, origin: string): SchemaFile {
  const result = schemaFile.safeParse(data);
  if (!result.success) {
    throw new ConfigError(
      origin,
      result.error.issues.map((issue) => `${formatPath(issue.path) || '(top level)'}: ${issue.message}`),
    );
  }
  return result.data;
}

function compile(file: SchemaFile, origin: string): ShadowserverSchema {
  const problems: string[] = [];
  const layouts = file.layouts ?? {};
  const notInDetail: ReadonlySet<string> = new Set(file.enrichment?.columns ?? []);
  const entry = (name: string, raw: ReportEntry, path: string): ShadowserverReport => {
    let base: Partial<Record<ColumnField, string | string[]>> = {};
    if (raw.layout !== undefined) {
      const layout = layouts[raw.layout];
      if (layout) base = layout;
      else
        problems.push(
          `${path}.layout: no layout "${raw.layout}"; the layouts are ${Object.keys(layouts)
            .map((l) => `"${l}"`)
            .join(', ')}`,
        );
    }
    const merged = { ...base, ...raw.columns };
    // Without its layout the report's columns are unknown, not wrong: the layout is the one problem to name.
    if (merged.time === undefined && (raw.layout === undefined || raw.layout in layouts))
      problems.push(`${path}: no time column (set columns.time or a layout that has one)`);
    const compiled: Partial<Record<ColumnField, readonly string[]>> = {};
    for (const field of COLUMN_FIELDS) {
      const ref = merged[field];
      if (ref !== undefined) compiled[field] = typeof ref === 'string' ? [ref] : ref;
    }
    const identifier = typeof raw.identifier === 'string' ? { default: raw.identifier } : raw.identifier;
    const identifierColumns =
      'column' in identifier ? (typeof identifier.column === 'string' ? [identifier.column] : identifier.column) : [];
    return {
      name,
      title: raw.title,
      type: raw.type as RsitType,
      identifierColumns,
      identifierDefault: identifier.default,
      severity: raw.severity,
      review: raw.review ?? false,
      columns: compiled,
      notInDetail,
    };
  };

  const reports = new Map<string, ShadowserverReport>();
  for (const [name, raw] of Object.entries(file.reports ?? {})) reports.set(name, entry(name, raw, `reports.${name}`));
  // Aliases after every canonical name is known, so an alias can neither hide a report nor another alias.
  for (const [name, raw] of Object.entries(file.reports ?? {})) {
    for (const alias of raw.aliases ?? []) {
      if (reports.has(alias))
        problems.push(`reports.${name}.aliases: "${alias}" is already the name or an alias of another report`);
      else reports.set(alias, reports.get(name)!);
    }
  }
  let fallback: ShadowserverReport | undefined;
  if (file.fallback) fallback = entry('unknown', file.fallback, 'fallback');
  else problems.push('fallback: missing; it says how report types the schema does not know are read');
  if (problems.length > 0) throw new ConfigError(origin, problems);
  return { reports, fallback: fallback! };
}

/** The header columns (indexes, -1: absent) that fill a file's event fields. */
export type ColumnPlan = {
  at: Record<ColumnField, number>;
  identifier: number[];
  /** Per header column: 1 when an event field takes it or it is an enrichment column (so it is not in detail). */
  mapped: Uint8Array;
  severity: number;
  /** The header lacks a column the schema names for the time or the source address: the schema is out of date. */
  review: boolean;
};

/**
 * Where each event field is in a file's header, found once per file. A column the report names for the time or
 * the source address that the header lacks is looked for under the fallback's names, and the events are marked
 * for review: the schema no longer matches what Shadowserver sends.
 */
export function planColumns(report: ShadowserverReport, fallback: ShadowserverReport, names: string[]): ColumnPlan {
  const index = new Map<string, number>();
  names.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  const find = (candidates: readonly string[] | undefined): number => {
    for (const c of candidates ?? []) {
      const i = index.get(c);
      if (i !== undefined) return i;
    }
    return -1;
  };
  const mapped = new Uint8Array(names.length);
  const at = {} as Record<ColumnField, number>;
  let review = false;
  for (const field of COLUMN_FIELDS) {
    let i = find(report.columns[field]);
    if (i < 0 && report !== fallback && report.columns[field] && (field === 'time' || field === 'source_ip')) {
      i = find(fallback.columns[field]);
      review = true;
    }
    at[field] = i;
    if (i >= 0) mapped[i] = 1;
  }
  names.forEach((name, i) => {
    if (report.notInDetail.has(name)) mapped[i] = 1;
  });
  const identifier = report.identifierColumns.map((c) => index.get(c)).filter((i) => i !== undefined);
  return { at, identifier, mapped, severity: index.get('severity') ?? -1, review };
}

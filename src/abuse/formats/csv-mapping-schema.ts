// The column mapping an operator saves for one sender's CSV list (csv-mapping.ts reads the list with it): its zod
// schema, the check that turns a saved mapping into one readable line per problem, and the compiler for the time
// patterns (`yyyy/M/d H:mm`) a mapping may give.

import { z } from 'zod';
import { isRsitType, type RsitType } from '../../domain/abuse-event.js';

/** The event fields a column can be mapped to. */
export const FIELDS = [
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
export type Field = (typeof FIELDS)[number];

const column = z.union(
  [
    z.string().trim().min(1, 'expected a header name; an empty name matches no column'),
    z.number().int('expected a whole number').min(0, 'column indexes count from 0 (the first column)'),
  ],
  {
    error: 'expected a header name as written in the header row, or a 0-based column index (0 for the first column)',
  },
);
const rsitType = z
  .string({ error: 'expected an RSIT type such as "vulnerable-system"' })
  .refine(isRsitType, {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not an RSIT type; use one such as vulnerable-system, infected-system, ` +
      'copyright, scanner, ddos-amplifier, phishing, c2-server (the full list is RSIT in domain/abuse-event.ts)',
  })
  .transform((v) => v as RsitType);

export const csvMappingSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'give the mapping a name, such as nict-notice'),
    description: z.string().default(''),
    encoding: z
      .enum(['utf-8', 'shift_jis'], {
        error: 'expected "utf-8" or "shift_jis" (Excel in Japanese saves CSV as shift_jis)',
      })
      .default('utf-8'),
    delimiter: z.string().length(1, 'expected one character, such as "," or "\\t"').default(','),
    skip_lines: z
      .number({ error: 'expected a number: how many lines (a title, a blank) come above the header' })
      .int('expected a whole number of lines')
      .min(0, 'expected how many lines (a title, a blank) come above the header: 0 or more')
      .default(0),
    header: z.boolean().default(true),
    columns: z.strictObject({
      time: column,
      address: column,
      port: column.optional(),
      destination_address: column.optional(),
      destination_port: column.optional(),
      protocol: column.optional(),
      hostname: column.optional(),
      url: column.optional(),
      identifier: column.optional(),
    }),
    /** One RSIT type for every row, or the type read from a column: cell text → type, `default` for other cells. */
    type: z.union([
      rsitType,
      z.strictObject({ column, values: z.record(z.string(), rsitType), default: rsitType.optional() }),
    ]),
    /** For times written without an offset: the zone of the sender's clock. */
    time_zone: z
      .string()
      .default('Asia/Tokyo')
      .refine(isTimeZone, {
        error: (iss) => `${JSON.stringify(iss.input)} is not an IANA time zone such as Asia/Tokyo or UTC`,
      }),
    /** `iso`, or a pattern of yyyy, MM/M, dd/d, HH/H, mm, ss, SSS and literal text: `yyyy/M/d H:mm`. */
    time_format: z
      .string()
      .default('iso')
      .superRefine((v, ctx) => {
        const compiled = v === 'iso' ? undefined : compileTimeFormat(v);
        if (typeof compiled === 'string') ctx.addIssue({ code: 'custom', message: compiled });
      }),
    reporter: z.string().trim().min(1, 'say who sends the list, such as nict, jpcert or a rights holder'),
    report_type: z.string().trim().min(1, 'name the kind of list, such as notice or p2p-awareness'),
  })
  .superRefine((m, ctx) => {
    if (m.header) return;
    const named: [PropertyKey[], unknown][] = FIELDS.map((f) => [['columns', f], m.columns[f]]);
    if (typeof m.type === 'object') named.push([['type', 'column'], m.type.column]);
    for (const [path, value] of named)
      if (typeof value === 'string')
        ctx.addIssue({
          code: 'custom',
          path,
          message: `with header: false columns are 0-based indexes: write the column's position (0 for the first) instead of "${value}"`,
        });
  });

export type CsvMapping = z.output<typeof csvMappingSchema>;
/** A mapping as an operator writes it (defaults not yet filled in). */
export type CsvMappingInput = z.input<typeof csvMappingSchema>;

/** A saved mapping checked: the mapping, or one line per problem, `path: what is wrong and how to fix it`. */
export function parseCsvMapping(value: unknown): { ok: true; mapping: CsvMapping } | { ok: false; problems: string[] } {
  const result = csvMappingSchema.safeParse(value, { reportInput: true });
  if (result.success) return { ok: true, mapping: result.data };
  return { ok: false, problems: result.error.issues.flatMap((issue) => describe(issue, [])) };
}

function describe(issue: z.core.$ZodIssue, base: PropertyKey[]): string[] {
  const path = [...base, ...issue.path];
  const where = path.length ? path.map(String).join('.') : '(top level)';
  if (issue.code === 'invalid_union') {
    // The branch the input was meant for is the one that did not fail on the input's own type.
    const meant = issue.errors.find((branch) => !branch.some((i) => i.path.length === 0 && i.code === 'invalid_type'));
    if (meant) return meant.flatMap((i) => describe(i, path));
  }
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map(
      (k) => `${where === '(top level)' ? k : `${where}.${k}`}: unknown key; check its spelling or remove it`,
    );
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined)
    return [`${where}: required; add it`];
  if (issue.code === 'invalid_type' && issue.expected === 'object')
    return [
      `${where}: expected an object of keys and values, got ${Array.isArray(issue.input) ? 'a list' : typeof issue.input}`,
    ];
  return [`${where}: ${issue.message}`];
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export type TimeFormat = { regex: RegExp; units: string[] };
const TOKENS: Record<string, [unit: string, digits: string]> = {
  yyyy: ['y', '\\d{4}'],
  MM: ['M', '\\d{2}'],
  M: ['M', '\\d{1,2}'],
  dd: ['d', '\\d{2}'],
  d: ['d', '\\d{1,2}'],
  HH: ['H', '\\d{2}'],
  H: ['H', '\\d{1,2}'],
  mm: ['m', '\\d{2}'],
  ss: ['s', '\\d{2}'],
  SSS: ['S', '\\d{3}'],
};

/** A time pattern as a regex with its units in order, or why the pattern cannot be used. */
export function compileTimeFormat(pattern: string): TimeFormat | string {
  let source = '';
  const units: string[] = [];
  for (const m of pattern.matchAll(/([A-Za-z])\1*|[^A-Za-z]+/g)) {
    const token = m[0];
    if (!/^[A-Za-z]/.test(token)) {
      source += token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ +/g, '\\s+');
      continue;
    }
    const known = TOKENS[token];
    if (!known)
      return `"${token}" in "${pattern}" is not a time field; use yyyy, MM or M, dd or d, HH or H (24-hour), mm, ss, SSS, or "iso"`;
    if (units.includes(known[0])) return `"${pattern}" has the ${token} field twice`;
    units.push(known[0]);
    source += `(${known[1]})`;
  }
  if (!['y', 'M', 'd'].every((u) => units.includes(u)))
    return `"${pattern}" needs at least the year (yyyy), month (MM or M) and day (dd or d)`;
  return { regex: new RegExp(`^${source}$`), units };
}

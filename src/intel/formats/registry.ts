import { z } from 'zod';
import type { Format } from '../../domain/format.js';
import { INDICATOR_TYPES } from '../../domain/indicator.js';
import type { ClaimRecord } from '../claim-record.js';
import { csvFormat } from './csv.js';
import { feodoCsvFormat } from './feodo-csv.js';
import { feodoJsonFormat } from './feodo-json.js';
import { hostsFormat } from './hosts.js';
import { mispFeedFormat } from './misp-feed.js';
import type { IntelFormatName } from './names.js';
import { plainFormat } from './plain.js';
import { rpzFormat } from './rpz.js';
import { spamhausDropFormat } from './spamhaus-drop.js';
import { stixFormat } from './stix.js';
import { threatfoxCsvFormat } from './threatfox-csv.js';
import { threatfoxJsonFormat } from './threatfox-json.js';
import { urlhausFormat } from './urlhaus.js';

// Format options as config and the command line give them: validated here, once, so a format gets
// options of the right shape or the operator gets the path of the mistake.
const column = z.union([z.string().min(1), z.number().int().min(0)]);
const optionSchemas = {
  plain: z.strictObject({ type: z.enum(INDICATOR_TYPES).optional() }),
  csv: z.strictObject({
    columns: z.strictObject({
      value: column,
      type: column.optional(),
      category: column.optional(),
      confidence: column.optional(),
      tags: column.optional(),
      first_seen: column.optional(),
      last_seen: column.optional(),
      valid_until: column.optional(),
      reference: column.optional(),
    }),
    delimiter: z.string().optional(),
    quote: z.string().optional(),
    comment: z.string().optional(),
    header: z.boolean().optional(),
    type: z.enum(INDICATOR_TYPES).optional(),
    tags_separator: z.string().optional(),
  }),
  rpz: z.strictObject({ origin: z.string().optional() }),
  none: z.strictObject({}),
};

/** The parser for a format name with its options; throws with the option's path when they are wrong. */
export function intelFormat(name: IntelFormatName, options: Record<string, unknown> = {}): Format<ClaimRecord> {
  switch (name) {
    case 'plain':
      return plainFormat(parseOptions(name, optionSchemas.plain, options));
    case 'csv':
      return csvFormat(parseOptions(name, optionSchemas.csv, options));
    case 'rpz':
      return rpzFormat(parseOptions(name, optionSchemas.rpz, options));
    default:
      parseOptions(name, optionSchemas.none, options);
      return FIXED[name];
  }
}

const FIXED: Record<Exclude<IntelFormatName, 'plain' | 'csv' | 'rpz'>, Format<ClaimRecord>> = {
  hosts: hostsFormat,
  urlhaus: urlhausFormat,
  'threatfox-csv': threatfoxCsvFormat,
  'threatfox-json': threatfoxJsonFormat,
  'feodo-csv': feodoCsvFormat,
  'feodo-json': feodoJsonFormat,
  'spamhaus-drop': spamhausDropFormat,
  'misp-feed': mispFeedFormat,
  stix: stixFormat,
};

function parseOptions<T extends z.ZodType>(format: string, schema: T, options: Record<string, unknown>): z.output<T> {
  const result = schema.safeParse(options);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `options${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`,
  );
  throw new Error(`format ${format}: ${problems.join('; ')}`);
}

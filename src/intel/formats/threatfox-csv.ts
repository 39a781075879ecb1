// abuse.ch ThreatFox CSV exports (https://threatfox.abuse.ch/export/csv/recent/, …/full/, per ioc type): a `#`
// banner whose column line is itself commented and quoted, then rows of quoted fields joined by `", "`:
//   # "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias",
//   #   "malware_printable","last_seen_utc","confidence_level","is_compromised","reference","tags","anonymous","reporter"
//   "2026-11-20 13:45:12", "1650001", "192.0.2.44:8443", "ip:port", "botnet_cc", "win.cobalt_strike", …
// Older exports lack is_compromised; the column line decides which field is which.

import type { Format } from '../../domain/format.js';
import type { IndicatorType } from '../../domain/indicator.js';
import type { ClaimRecord } from '../claim-record.js';
import { abuseChTime, firstDataLine, headText, present, splitTags } from './abusech.js';
import { readAbuseChCsv, type AbuseChCsv } from './abusech-csv.js';

const COLUMNS = [
  'first_seen_utc',
  'ioc_id',
  'ioc_value',
  'ioc_type',
  'threat_type',
  'fk_malware',
  'malware_alias',
  'malware_printable',
  'last_seen_utc',
  'confidence_level',
  'is_compromised',
  'reference',
  'tags',
  'anonymous',
  'reporter',
] as const;
type Column = (typeof COLUMNS)[number];
const KEPT: readonly Column[] = [
  'ioc_id',
  'ioc_type',
  'threat_type',
  'fk_malware',
  'malware_alias',
  'malware_printable',
  'is_compromised',
  'reference',
  'anonymous',
  'reporter',
];

/** ThreatFox ioc_type → indicator type; the hash types carry a `_hash` suffix in the feed. */
const IOC_TYPES: Record<string, IndicatorType> = {
  'ip:port': 'ip-port',
  domain: 'domain',
  url: 'url',
  md5_hash: 'md5',
  sha1_hash: 'sha1',
  sha256_hash: 'sha256',
};

/** What one ThreatFox IOC says, whichever export it came from. */
export type ThreatFoxIoc = {
  id: string;
  value: unknown;
  iocType: unknown;
  threatType: unknown;
  firstSeen: unknown;
  lastSeen: unknown;
  confidence: unknown;
  tags: unknown;
  /** The IOC's other fields under the export's own names; absent values already left out. */
  attributes: Record<string, unknown>;
};

/** The claim a ThreatFox IOC makes, or what is wrong with it (`field name: problem`). */
export function threatFoxClaim(ioc: ThreatFoxIoc, position: string, raw: Uint8Array): ClaimRecord | string {
  if (typeof ioc.value !== 'string') return `ioc_value is ${ioc.value === undefined ? 'missing' : 'not a string'}`;
  const value = ioc.value.trim();
  if (value === '') return 'ioc_value is empty';
  const type = typeof ioc.iocType === 'string' ? IOC_TYPES[ioc.iocType] : undefined;
  if (type === undefined) {
    return `ioc_type ${JSON.stringify(ioc.iocType)} is not one of ${Object.keys(IOC_TYPES).join(', ')}`;
  }
  const firstSeen = typeof ioc.firstSeen === 'string' ? abuseChTime(ioc.firstSeen) : undefined;
  if (firstSeen === undefined) {
    return `first_seen_utc ${JSON.stringify(ioc.firstSeen)} is not a time like 2026-11-20 13:45:12`;
  }
  let lastSeen: string | undefined;
  if (present(ioc.lastSeen)) {
    lastSeen = typeof ioc.lastSeen === 'string' ? abuseChTime(ioc.lastSeen) : undefined;
    if (lastSeen === undefined) {
      return `last_seen_utc ${JSON.stringify(ioc.lastSeen)} is not a time like 2026-11-20 13:45:12`;
    }
  }
  let confidence: number | undefined;
  if (present(ioc.confidence)) {
    confidence = typeof ioc.confidence === 'number' ? ioc.confidence : Number(ioc.confidence);
    if (!Number.isInteger(confidence) || confidence < 0 || confidence > 100) {
      return `confidence_level ${JSON.stringify(ioc.confidence)} is not a whole number from 0 to 100`;
    }
  }
  const record: ClaimRecord = {
    type,
    value,
    category: category(ioc.threatType),
    firstSeen,
    // The feed's own page for the IOC; the reporter's `reference` (a blog post, a tweet) stays in attributes.
    reference: `https://threatfox.abuse.ch/ioc/${ioc.id}/`,
    attributes: ioc.attributes,
    position,
    raw,
  };
  if (confidence !== undefined) record.confidence = confidence;
  if (lastSeen !== undefined) record.lastSeen = lastSeen;
  const tags = splitTags(ioc.tags);
  if (tags) record.tags = tags;
  return record;
}

// ThreatFox has three threat types: botnet_cc (a C2 server) → c2; payload_delivery (where malware is fetched
// from) and payload (the malware sample's hash) → malware. A threat type ThreatFox adds later is still an IOC of
// a malware family, so it is kept as "other" (policy decides) rather than rejected or guessed into a category.
function category(threatType: unknown): ClaimRecord['category'] {
  if (threatType === 'botnet_cc') return 'c2';
  if (threatType === 'payload_delivery' || threatType === 'payload') return 'malware';
  return 'other';
}

// The column line is commented (and decides the layout); an uncommented one is passed over.
const THREATFOX_CSV: AbuseChCsv<Column> = {
  columns: COLUMNS,
  required: ['first_seen_utc', 'ioc_id', 'ioc_value', 'ioc_type'],
  marker: 'first_seen_utc',
  commented: 'checked',
  uncommented: 'skipped',
  row(fields, columns, line, position) {
    const id = columns.get(fields, 'ioc_id');
    if (!isId(id)) return `column ioc_id ${JSON.stringify(id)} is not a number`;
    const attributes: Record<string, unknown> = {};
    for (const name of KEPT) {
      const value = columns.get(fields, name);
      if (present(value)) attributes[name] = value;
    }
    const claim = threatFoxClaim(
      {
        id,
        value: columns.get(fields, 'ioc_value'),
        iocType: columns.get(fields, 'ioc_type'),
        threatType: columns.get(fields, 'threat_type'),
        firstSeen: columns.get(fields, 'first_seen_utc'),
        lastSeen: columns.get(fields, 'last_seen_utc'),
        confidence: columns.get(fields, 'confidence_level'),
        tags: columns.get(fields, 'tags'),
        attributes,
      },
      position,
      line.raw,
    );
    return typeof claim === 'string' ? `column ${claim}` : claim;
  },
};

export const threatfoxCsvFormat: Format<ClaimRecord> = {
  name: 'threatfox-csv',

  // The exports open with a `#` banner naming ThreatFox (or the quoted column line) and rows joined by `", "`.
  sniff(head) {
    const text = headText(head);
    if (!text.startsWith('#')) return false;
    if (!text.includes('ThreatFox') && !text.includes('"first_seen_utc","ioc_id"')) return false;
    const first = firstDataLine(text, '#');
    return first === undefined || (first.startsWith('"') && first.includes('", "'));
  },

  parse(input, ctx) {
    return readAbuseChCsv(input, ctx, THREATFOX_CSV);
  },
};

/** ThreatFox ids are decimal numbers; anything else would make a wrong reference URL. */
export function isId(id: string): boolean {
  if (id.length === 0 || id.length > 20) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

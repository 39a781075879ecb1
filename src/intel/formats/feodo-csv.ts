// abuse.ch Feodo Tracker botnet C2 IP blocklist, CSV (https://feodotracker.abuse.ch/downloads/ipblocklist.csv and
// ipblocklist_recommended/aggressive variants): a `#` banner, an uncommented quoted column line, quoted rows:
//   "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
//   "2026-11-20 13:45:12","192.0.2.80","443","online","2026-11-21","QakBot"

import type { Format } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { abuseChTime, firstDataLine, headText, present } from './abusech.js';
import { readAbuseChCsv, type AbuseChCsv } from './abusech-csv.js';

const COLUMNS = ['first_seen_utc', 'dst_ip', 'dst_port', 'c2_status', 'last_online', 'malware'] as const;
type Column = (typeof COLUMNS)[number];

/** What one Feodo Tracker entry says, whichever download it came from. */
export type FeodoEntry = {
  ip: unknown;
  firstSeen: unknown;
  lastOnline: unknown;
  /** The entry's other fields under the download's own names; absent values already left out. */
  attributes: Record<string, unknown>;
};

/**
 * The claim a Feodo Tracker entry makes, or what is wrong with it (`field name: problem`).
 *
 * The indicator is the address, not address:port: an ISP enforces this list where addresses are matched (firewall
 * sets, RPZ rpz-ip, BGP blackholes), and a C2 host answers on other ports too, so the port is kept in attributes.
 */
export function feodoClaim(
  entry: FeodoEntry,
  names: { ip: string; firstSeen: string },
  position: string,
  raw: Uint8Array,
): ClaimRecord | string {
  const ip = typeof entry.ip === 'string' ? entry.ip.trim() : '';
  if (ip === '') return `${names.ip} is empty`;
  const record: ClaimRecord = {
    // Feodo Tracker has only listed IPv4 so far; an IPv6 address is typed as such rather than mislabelled.
    type: ip.includes(':') ? 'ipv6' : 'ipv4',
    value: ip,
    // Every entry is a botnet command-and-control server (the list's whole purpose).
    category: 'c2',
    reference: `https://feodotracker.abuse.ch/browse/host/${ip}/`,
    attributes: entry.attributes,
    position,
    raw,
  };
  if (present(entry.firstSeen)) {
    const firstSeen = typeof entry.firstSeen === 'string' ? abuseChTime(entry.firstSeen) : undefined;
    if (firstSeen === undefined) {
      return `${names.firstSeen} ${JSON.stringify(entry.firstSeen)} is not a time like 2026-11-20 13:45:12`;
    }
    record.firstSeen = firstSeen;
  }
  if (present(entry.lastOnline)) {
    // last_online is a day (2026-11-21), the last day the C2 answered; it becomes that day's 00:00 UTC.
    const lastSeen = typeof entry.lastOnline === 'string' ? abuseChTime(entry.lastOnline) : undefined;
    if (lastSeen === undefined) {
      return `last_online ${JSON.stringify(entry.lastOnline)} is not a day like 2026-11-21`;
    }
    record.lastSeen = lastSeen;
  }
  return record;
}

// The column line is uncommented and decides the layout if it names dst_ip. A commented column line is taken
// unchecked (URLhaus and ThreatFox keep the known layout when theirs lacks a required column).
const FEODO_CSV: AbuseChCsv<Column> = {
  columns: COLUMNS,
  required: ['dst_ip'],
  marker: 'first_seen_utc',
  commented: 'unchecked',
  uncommented: 'checked',
  row(fields, columns, line, position) {
    const attributes: Record<string, unknown> = {};
    for (const name of ['dst_port', 'c2_status', 'last_online', 'malware'] as const) {
      const value = columns.get(fields, name);
      if (present(value)) attributes[name] = value;
    }
    const claim = feodoClaim(
      {
        ip: columns.get(fields, 'dst_ip'),
        firstSeen: columns.get(fields, 'first_seen_utc'),
        lastOnline: columns.get(fields, 'last_online'),
        attributes,
      },
      { ip: 'dst_ip', firstSeen: 'first_seen_utc' },
      position,
      line.raw,
    );
    return typeof claim === 'string' ? `column ${claim}` : claim;
  },
};

export const feodoCsvFormat: Format<ClaimRecord> = {
  name: 'feodo-csv',

  // A `#` banner naming Feodo Tracker, or the column line "first_seen_utc","dst_ip",… as the first data line.
  sniff(head) {
    const text = headText(head);
    const first = firstDataLine(text, '#');
    if (first !== undefined && first.startsWith('"first_seen_utc","dst_ip"')) return true;
    return text.startsWith('#') && text.includes('Feodo Tracker') && (first === undefined || first.startsWith('"'));
  },

  parse(input, ctx) {
    return readAbuseChCsv(input, ctx, FEODO_CSV);
  },
};

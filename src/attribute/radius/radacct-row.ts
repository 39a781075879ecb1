import type { LeaseEvent, LeaseRecord, LeaseRejected } from '../../domain/lease.js';
import { normaliseCidr } from '../../net/cidr.js';
import { normaliseIp } from '../../net/ip.js';
import { radacctTime, type LocalTime } from './radacct-time.js';

// One row of FreeRADIUS 3.x's radacct table (the stock schema for PostgreSQL and MySQL/MariaDB) is a whole
// session so far, rewritten in place by the Start, each Interim-Update and the Stop. It becomes, per address the
// session holds (Framed-IP-Address, Framed-IPv6-Prefix, Delegated-IPv6-Prefix, Framed-IPv6-Address):
//  - a stopped row (acctstoptime set): `start` at acctstarttime and `stop` at acctstoptime;
//  - an open row: `start` at acctstarttime and, once an interim update has moved acctupdatetime past the start
//    (the stock Start query sets it to the start), `update` at acctupdatetime, with interimSeconds from
//    acctinterval (the gap FreeRADIUS measured between the last two updates).
// Reading the same row again after it changed gives the same start again with the newer update or the stop, so
// the store joins them by session. FreeRADIUS fills absent values with NULL (PostgreSQL) or '' (MySQL's NOT NULL
// DEFAULT '' columns); both mean absent here. Values are kept as stored: FreeRADIUS's own escaping of unusual
// characters (`o=27hara` for o'hara) is part of the User-Name the database holds.

/** The radacct columns read here, lower case as both databases return them. */
export const RADACCT_COLUMNS = [
  'radacctid',
  'acctsessionid',
  'acctuniqueid',
  'username',
  'nasipaddress',
  'nasportid',
  'acctstarttime',
  'acctupdatetime',
  'acctstoptime',
  'acctinterval',
  'acctsessiontime',
  'callingstationid',
  'acctterminatecause',
  'framedipaddress',
  'framedipv6address',
  'framedipv6prefix',
  'framedinterfaceid',
  'delegatedipv6prefix',
] as const;
export type RadacctColumn = (typeof RADACCT_COLUMNS)[number];

/**
 * A column's value as a driver or a dump gives it: pg returns timestamptz as Date and bigint as string, mysql2
 * numbers, a CSV export text. A number in a time column is seconds since the epoch (UNIX_TIMESTAMP()).
 */
export type RadacctValue = string | number | bigint | Date | null | undefined;

export type RadacctRow = { [C in RadacctColumn]?: RadacctValue };

/** The columns that hold an address or prefix of the session, in the order their events are given. */
const HELD: { column: RadacctColumn; prefix: boolean }[] = [
  { column: 'framedipaddress', prefix: false },
  { column: 'framedipv6prefix', prefix: true },
  { column: 'delegatedipv6prefix', prefix: true },
  { column: 'framedipv6address', prefix: false },
];

const DETAIL: RadacctColumn[] = [
  'callingstationid',
  'nasportid',
  'acctuniqueid',
  'acctterminatecause',
  'framedinterfaceid',
];

/**
 * The lease events of one radacct row. `evidence` says where the row is (`radacct 1234`, `line 7`);
 * `localTime` reads zone-less time text (a MySQL DATETIME in a dump); without it such text is refused.
 */
export function radacctRecords(row: RadacctRow, evidence: string, localTime?: LocalTime): LeaseRecord[] {
  const reject = (reason: string): LeaseRejected => ({ action: 'rejected', reason, evidence, raw: rowText(row) });

  const sessionId = text(row.acctsessionid);
  if (sessionId === undefined) {
    return [
      reject(
        'the radacct row has no acctsessionid, so its start, updates and stop cannot be joined: ' +
          'check that the export includes the acctsessionid column and that the NAS sends Acct-Session-Id',
      ),
    ];
  }

  const records: LeaseRecord[] = [];
  const addresses: string[] = [];
  for (const { column, prefix } of HELD) {
    const value = text(row[column]);
    if (value === undefined) continue;
    const address = heldAddress(value, prefix);
    if (address.ok) {
      if (!addresses.includes(address.value)) addresses.push(address.value);
    } else {
      records.push(reject(`${column} of session ${sessionId}: ${address.reason}`));
    }
  }
  if (addresses.length === 0) return records;

  const times = sessionTimes(row, localTime);
  if (typeof times === 'string') return [...records, reject(`session ${sessionId}: ${times}`)];

  const nasText = text(row.nasipaddress);
  const nasAddress = nasText === undefined ? undefined : normaliseIp(nasText.replace(/\/(32|128)$/, ''));
  const nas = nasAddress?.ok ? nasAddress.indicator.value : nasText;
  const username = text(row.username);
  const interval = wholeNumber(row.acctinterval);
  const detail: Record<string, string> = {};
  for (const column of DETAIL) {
    const value = text(row[column]);
    if (value !== undefined) detail[column] = value;
  }

  for (const address of addresses) {
    const event = (action: LeaseEvent['action'], at: number): LeaseEvent => {
      const e: LeaseEvent = { session: `${nas ?? ''}/${sessionId}/${address}`, action, at, address, evidence };
      if (action !== 'start' && times.start !== undefined) e.startedAt = times.start;
      if (username !== undefined) {
        e.subscriberKey = username;
        e.keyKind = 'user';
      }
      if (nas !== undefined) e.nas = nas;
      if (Object.keys(detail).length > 0) e.detail = { ...detail };
      return e;
    };
    if (times.start !== undefined) records.push(event('start', times.start));
    if (times.stop !== undefined) {
      records.push(event('stop', times.stop));
    } else if (times.update !== undefined && (times.start === undefined || times.update > times.start)) {
      const update = event('update', times.update);
      if (interval !== undefined && interval > 0) update.interimSeconds = interval;
      records.push(update);
    }
  }
  return records;
}

type SessionTimes = { start?: number; update?: number; stop?: number };

function sessionTimes(row: RadacctRow, localTime: LocalTime | undefined): SessionTimes | string {
  const start = radacctTime('acctstarttime', row.acctstarttime, localTime);
  const update = radacctTime('acctupdatetime', row.acctupdatetime, localTime);
  const stop = radacctTime('acctstoptime', row.acctstoptime, localTime);
  if (typeof start === 'string') return start;
  if (typeof update === 'string') return update;
  if (typeof stop === 'string') return stop;
  const times: SessionTimes = {};
  if (start !== undefined) times.start = start;
  if (update !== undefined) times.update = update;
  if (stop !== undefined) times.stop = stop;
  if (times.start === undefined && times.update === undefined && times.stop === undefined) {
    return 'the row has no acctstarttime, acctupdatetime or acctstoptime, so it cannot be placed in time';
  }
  if (times.start !== undefined && times.stop !== undefined && times.stop < times.start) {
    return `acctstoptime (${iso(times.stop)}) is before acctstarttime (${iso(times.start)}): check the NAS clock`;
  }
  return times;
}

/**
 * An address column's value in canonical text. PostgreSQL's inet prints a host as `192.0.2.7` and a prefix as
 * `2001:db8::/48`; an address column with a netmask (`192.0.2.7/24`) still names the one address held.
 */
function heldAddress(value: string, prefix: boolean): { ok: true; value: string } | { ok: false; reason: string } {
  const slash = value.indexOf('/');
  const normalised =
    prefix && slash !== -1 ? normaliseCidr(value) : normaliseIp(slash === -1 ? value : value.slice(0, slash));
  return normalised.ok ? { ok: true, value: normalised.indicator.value } : { ok: false, reason: normalised.reason };
}

/** A column as trimmed text; undefined when NULL or empty (MySQL's stock columns default to ''). */
function text(value: RadacctValue): string | undefined {
  if (value === null || value === undefined) return undefined;
  const t = (value instanceof Date ? dateText(value) : String(value)).trim();
  return t === '' ? undefined : t;
}

function dateText(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'Invalid Date' : date.toISOString();
}

function wholeNumber(value: RadacctValue): number | undefined {
  const t = text(value);
  if (t === undefined || !/^\d{1,15}$/.test(t)) return undefined;
  return Number(t);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The row as text for a dead letter: the columns that are set, Dates in ISO form. */
function rowText(row: RadacctRow): string {
  const out: Record<string, string> = {};
  for (const column of RADACCT_COLUMNS) {
    const value = row[column];
    if (value !== null && value !== undefined) out[column] = value instanceof Date ? dateText(value) : String(value);
  }
  return JSON.stringify(out);
}

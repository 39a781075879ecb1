import mysql from 'mysql2/promise';
import pg from 'pg';
import type { LeaseRecord } from '../../domain/lease.js';
import { RADACCT_COLUMNS, radacctRecords, type RadacctRow, type RadacctValue } from './radacct-row.js';

// Incremental import from a live FreeRADIUS radacct table in PostgreSQL or MySQL/MariaDB. FreeRADIUS rewrites a
// session's row in place, so "what changed since last time" is keyed on the time of the row's latest event:
//
//   coalesce(acctstoptime, acctupdatetime, acctstarttime), then radacctid
//
// acctstoptime comes first because the stock MySQL queries for Stop and Accounting-On set only acctstoptime and
// leave acctupdatetime at the last interim update (the PostgreSQL ones set both); acctstarttime covers rows no
// update has touched. Reading `(key, radacctid) > cursor` in that order, a page boundary inside one second neither
// skips nor repeats a row, and a row that changes later gets a later key and is read again, giving its newer
// update or its stop.
//
// What a time key cannot see: a row written with a time older than the cursor (a NAS whose clock lags, a
// buffered-sql replay of old accounting). `settleSeconds` leaves rows younger than that in the table for the
// next call, which covers clock skew and replay delays up to it.
//
// The stock schema has no index on that key, so each call scans the table; for a large one, add it:
//   PostgreSQL:     create index radacct_mizugiwa_key
//                     on radacct ((coalesce(acctstoptime, acctupdatetime, acctstarttime)), radacctid);
//   MySQL 8.0.13+:  the same; MariaDB: an indexed virtual column holding the coalesce.

export type RadacctDialect = 'postgres' | 'mysql';

/** An open connection to the database holding radacct; make one with connectRadacct. */
export interface RadacctConnection {
  readonly dialect: RadacctDialect;
  /** The table, checked to be a plain name or schema.name. */
  readonly table: string;
  /** Runs one parameterised statement ($1… for PostgreSQL, ? for MySQL) and returns its rows. */
  query(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * Where the last read stopped: the key of the last row read, as the database itself prints it (PostgreSQL in UTC
 * with a Z, MySQL as DATETIME wall time), so that it compares exactly, to the microsecond, when handed back.
 */
export type RadacctCursor = { at: string; radacctid: string };

/** Before every row: the cursor of a first read. */
export const RADACCT_CURSOR_START: RadacctCursor = { at: '0001-01-01T00:00:00.000000', radacctid: '0' };

const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z?$/;
const CURSOR_ID = /^\d{1,19}$/;

/** The cursor as text to keep between runs: `2026-11-25T03:00:00.000000Z/1234`. */
export function radacctCursorText(cursor: RadacctCursor): string {
  return `${cursor.at}/${cursor.radacctid}`;
}

/** Reads radacctCursorText's text back; throws saying what is wrong when it is not one. */
export function parseRadacctCursor(text: string): RadacctCursor {
  const slash = text.lastIndexOf('/');
  const at = text.slice(0, slash);
  const radacctid = text.slice(slash + 1);
  if (slash === -1 || !CURSOR_AT.test(at) || !CURSOR_ID.test(radacctid)) {
    throw new Error(
      `"${text}" is not a radacct cursor: expected a time and a radacctid such as ` +
        `2026-11-25T03:00:00.000000Z/1234; delete the stored cursor to read the table from the start`,
    );
  }
  return { at, radacctid };
}

export type RadacctReadOptions = {
  /** Leave rows whose latest event is less than this many seconds old (by the database's clock) for later. */
  settleSeconds?: number;
};

/**
 * Up to `limit` rows changed after `cursor` (every row when it is undefined), as lease records with evidence
 * `radacct <radacctid>`, and the cursor to pass next time (the same one when nothing changed).
 */
export async function readRadacctChanges(
  db: RadacctConnection,
  cursor: RadacctCursor | undefined,
  limit: number,
  options: RadacctReadOptions = {},
): Promise<{ records: LeaseRecord[]; rows: number; cursor: RadacctCursor }> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`limit must be a whole number of rows, not ${limit}`);
  const settle = options.settleSeconds;
  if (settle !== undefined && !(Number.isFinite(settle) && settle >= 0)) {
    throw new Error(`settleSeconds must be 0 or more, not ${settle}`);
  }
  const from = cursor ?? RADACCT_CURSOR_START;
  if (!CURSOR_AT.test(from.at) || !CURSOR_ID.test(from.radacctid)) {
    throw new Error(`${JSON.stringify(from)} is not a radacct cursor (see parseRadacctCursor)`);
  }
  const statement = (db.dialect === 'postgres' ? postgresChanges : mysqlChanges)(
    quotedTable(db.dialect, db.table),
    from,
    limit,
    settle,
  );
  const found = await db.query(statement.sql, statement.params);
  const records: LeaseRecord[] = [];
  let next = from;
  for (const record of found) {
    const columns = lowerCaseKeys(record);
    const row = radacctRow(columns, db.dialect);
    const radacctid = String(columns.radacctid);
    records.push(...radacctRecords(row, `radacct ${radacctid}`));
    next = { at: String(columns[CURSOR_COLUMN]), radacctid };
  }
  return { records, rows: found.length, cursor: next };
}

const CURSOR_COLUMN = 'mizugiwa_cursor_at';
const KEY = 'coalesce(t.acctstoptime, t.acctupdatetime, t.acctstarttime)';
const TIMES = ['acctstarttime', 'acctupdatetime', 'acctstoptime'] as const;

type Statement = { sql: string; params: unknown[] };

function postgresChanges(table: string, from: RadacctCursor, limit: number, settle: number | undefined): Statement {
  const params: unknown[] = [from.at, from.radacctid, limit];
  let settled = '';
  if (settle !== undefined) {
    params.push(settle);
    settled = `and ${KEY} <= now() - make_interval(secs => $4)`;
  }
  return {
    sql: `select t.*, to_char(${KEY} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ${CURSOR_COLUMN}
      from ${table} t
      where (${KEY}, t.radacctid) > ($1::timestamptz, $2::bigint) ${settled}
      order by ${KEY}, t.radacctid
      limit $3`,
    params,
  };
}

// MySQL's DATETIME has no zone: FreeRADIUS wrote FROM_UNIXTIME(Event-Timestamp), wall time in its session's
// time zone, and UNIX_TIMESTAMP() in a session with the same (the server's) zone undoes exactly that.
function mysqlChanges(table: string, from: RadacctCursor, limit: number, settle: number | undefined): Statement {
  const params: unknown[] = [from.at, from.at, from.radacctid];
  let settled = '';
  if (settle !== undefined) {
    params.push(settle);
    settled = `and ${KEY} <= now(6) - interval ? second`;
  }
  params.push(limit);
  const epochs = TIMES.map((column) => `unix_timestamp(t.${column}) as mizugiwa_${column}`).join(', ');
  return {
    sql: `select t.*, ${epochs}, date_format(${KEY}, '%Y-%m-%dT%H:%i:%s.%f') as ${CURSOR_COLUMN}
      from ${table} t
      where (${KEY} > cast(? as datetime(6))
        or (${KEY} = cast(? as datetime(6)) and t.radacctid > cast(? as unsigned))) ${settled}
      order by ${KEY}, t.radacctid
      limit ?`,
    params,
  };
}

function lowerCaseKeys(found: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(found)) out[key.toLowerCase()] = value;
  return out;
}

function radacctRow(columns: Record<string, unknown>, dialect: RadacctDialect): RadacctRow {
  const row: RadacctRow = {};
  for (const column of RADACCT_COLUMNS) row[column] = driverValue(columns[column]);
  if (dialect === 'mysql') {
    // UNIX_TIMESTAMP() of a DATETIME(6) is a DECIMAL, which mysql2 hands over as text.
    for (const column of TIMES) {
      const epoch = columns[`mizugiwa_${column}`];
      row[column] = epoch === null || epoch === undefined ? null : Number(epoch);
    }
  }
  return row;
}

function driverValue(value: unknown): RadacctValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date || typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
    return value;
  }
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The table name quoted for the dialect, after checking it is `name` or `schema.name` of plain characters. */
function quotedTable(dialect: RadacctDialect, table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new Error(
      `"${table}" is not a table name that can be used here: give radacct, or schema.radacct, made of letters, ` +
        'digits and _ (at most 63 of them each)',
    );
  }
  const quote = dialect === 'postgres' ? '"' : '`';
  return parts.map((part) => `${quote}${part}${quote}`).join('.');
}

/**
 * Opens the database holding radacct (`postgres://user:pass@host/db`, `mysql://…` or `mariadb://…`) and checks
 * that `table` can be read. PostgreSQL takes the name as written (quoted): give it in lower case, as the stock
 * schema creates it.
 */
export async function connectRadacct(url: string, table = 'radacct'): Promise<RadacctConnection> {
  const scheme = /^([a-z]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  let connection: RadacctConnection;
  if (scheme === 'postgres' || scheme === 'postgresql') {
    quotedTable('postgres', table);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    // An idle connection that the server drops is an 'error' event: without a listener it would end the
    // process; the pool discards that connection and the next query opens another.
    pool.on('error', () => {});
    connection = {
      dialect: 'postgres',
      table,
      query: async (sql, params) => (await pool.query(sql, [...params])).rows as Record<string, unknown>[],
      close: () => pool.end(),
    };
  } else if (scheme === 'mysql' || scheme === 'mariadb') {
    quotedTable('mysql', table);
    const pool = mysql.createPool({
      uri: url.replace(/^mariadb:/i, 'mysql:'),
      connectionLimit: 1,
      // Times are read through UNIX_TIMESTAMP(); the rest stays as the server sends it, big ids as text.
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    connection = {
      dialect: 'mysql',
      table,
      query: async (sql, params) => {
        const [rows] = await pool.query(sql, [...params]);
        return rows as Record<string, unknown>[];
      },
      close: () => pool.end(),
    };
  } else {
    throw new Error(`"${redacted(url)}" is not a database URL: use postgres://… or mysql://… (mariadb://…)`);
  }
  try {
    await connection.query(`select * from ${quotedTable(connection.dialect, table)} where 1 = 0`, []);
  } catch (error) {
    await connection.close().catch(() => {});
    throw new Error(`cannot read the table ${table} at ${redacted(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return connection;
}

/** The URL without its password, for messages and logs. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//…@');
  }
}

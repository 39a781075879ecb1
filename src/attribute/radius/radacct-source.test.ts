import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { requireOrSkip } from '../../../test/support/components.js';
import { TEST_PG_URL, postgresReachable } from '../../../test/support/stores.js';
import type { LeaseRecord } from '../../domain/lease.js';
import {
  RADACCT_CURSOR_START,
  connectRadacct,
  parseRadacctCursor,
  radacctCursorText,
  readRadacctChanges,
  type RadacctConnection,
  type RadacctCursor,
} from './radacct-source.js';

// Against a real PostgreSQL and a real MariaDB: the stock radacct table from the schema files that the Debian
// packages freeradius-postgresql and freeradius-mysql install, in a schema (PostgreSQL) or database (MariaDB) of
// its own, written the way the stock queries write it (PostgreSQL's Stop sets acctstoptime and acctupdatetime,
// MySQL's only acctstoptime), read in pages of two across rows that share one key.

const TEST_MYSQL_URL = process.env.MIZUGIWA_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const SCHEMAS = '/etc/freeradius/3.0/mods-config/sql/main';
const T = 1795575600; // 2026-11-25 12:00:00 +09:00

type Scratch = {
  /** The table name to give connectRadacct. */
  table: string;
  /** Runs SQL with `radacct` meaning the scratch table; `?` placeholders for both dialects. */
  exec(sql: string, params?: unknown[]): Promise<void>;
  drop(): Promise<void>;
};

type Dialect = {
  name: string;
  url: string;
  skip: string | false;
  scratch(): Promise<Scratch>;
  /** SQL for a time given as seconds since the epoch, as FreeRADIUS writes Event-Timestamp. */
  time: string;
  /** The stock Stop: PostgreSQL also moves acctupdatetime, MySQL does not. */
  stop: string;
};

function stockRadacct(dialect: 'postgresql' | 'mysql'): string {
  const schema = readFileSync(`${SCHEMAS}/${dialect}/schema.sql`, 'utf8');
  const table = /CREATE TABLE IF NOT EXISTS radacct \([\s\S]*?\n\)[^;]*;/.exec(schema);
  assert.ok(table, `the radacct table in ${dialect}/schema.sql`);
  return table[0];
}

function schemaSkip(dialect: 'postgresql' | 'mysql', pkg: string): string | false {
  return existsSync(`${SCHEMAS}/${dialect}/schema.sql`)
    ? false
    : requireOrSkip(`${SCHEMAS}/${dialect}/schema.sql not found (install the Debian package ${pkg})`);
}

async function mysqlReachable(): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ uri: TEST_MYSQL_URL, connectTimeout: 3000 });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

const dialects: Dialect[] = [
  {
    name: 'PostgreSQL',
    url: TEST_PG_URL,
    skip:
      schemaSkip('postgresql', 'freeradius-postgresql') ||
      ((await postgresReachable())
        ? false
        : requireOrSkip(`PostgreSQL not reachable at ${TEST_PG_URL} (package postgresql; set MIZUGIWA_TEST_PG_URL)`)),
    async scratch() {
      const schema = `mz_test_${randomBytes(6).toString('hex')}`;
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      await client.query(`create schema ${schema}`);
      await client.query(`set search_path to ${schema}`);
      await client.query(stockRadacct('postgresql'));
      return {
        table: `${schema}.radacct`,
        async exec(sql, params = []) {
          let n = 0;
          await client.query(
            sql.replace(/\?/g, () => `$${++n}`),
            params,
          );
        },
        async drop() {
          await client.query(`drop schema if exists ${schema} cascade`);
          await client.end();
        },
      };
    },
    time: 'to_timestamp(?::float8)',
    stop: 'update radacct set acctstoptime = to_timestamp(?::float8), acctupdatetime = acctstoptime',
  },
  {
    name: 'MariaDB',
    url: TEST_MYSQL_URL,
    skip:
      schemaSkip('mysql', 'freeradius-mysql') ||
      ((await mysqlReachable())
        ? false
        : requireOrSkip(
            `MySQL/MariaDB not reachable at ${TEST_MYSQL_URL} (package mariadb-server; set MIZUGIWA_TEST_MYSQL_URL)`,
          )),
    async scratch() {
      const database = `mz_test_${randomBytes(6).toString('hex')}`;
      const connection = await mysql.createConnection({ uri: TEST_MYSQL_URL });
      await connection.query(`create database ${database}`);
      await connection.query(`use ${database}`);
      await connection.query(stockRadacct('mysql'));
      return {
        table: `${database}.radacct`,
        async exec(sql, params = []) {
          await connection.query(sql, params);
        },
        async drop() {
          await connection.query(`drop database if exists ${database}`);
          await connection.end();
        },
      };
    },
    time: 'from_unixtime(?)',
    stop: 'update radacct set acctstoptime = from_unixtime(?)',
  },
];

/** `radacct 3 start 198.51.100.3 12:00:00`: what a test needs to see of a record, in Japan's wall time. */
function seen(records: LeaseRecord[]): string[] {
  return records.map((record) => {
    if (record.action === 'rejected' || record.action === 'reset') return `${record.action} ${record.evidence}`;
    const wall = new Date(record.at + 9 * 3_600_000).toISOString().slice(11, 19);
    const interim = record.interimSeconds === undefined ? '' : ` every ${record.interimSeconds}s`;
    return `${record.evidence} ${record.action} ${record.address} ${wall}${interim}`;
  });
}

for (const dialect of dialects) {
  test(
    `${dialect.name}: reads a live radacct table page by page and again when a row changes`,
    { skip: dialect.skip },
    async () => {
      const scratch = await dialect.scratch();
      let db: RadacctConnection | undefined;
      try {
        const start = async (session: string, user: string, address: string, at: number, withUpdateTime = true) =>
          scratch.exec(
            `insert into radacct (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime, acctupdatetime,
             callingstationid, framedipaddress)
           values (?, ?, ?, '192.0.2.1', ${dialect.time}, ${withUpdateTime ? dialect.time : 'null'},
             '02:00:5e:00:53:01', ?)`,
            [session, `unique-${session}`, user, at, ...(withUpdateTime ? [at] : []), address],
          );
        await start('s1', 'alice', '198.51.100.1', T);
        await start('s2', 'bob', '198.51.100.2', T);
        await start('s3', 'carol', '198.51.100.3', T);
        await start('s4', 'dave', '198.51.100.4', T + 60);
        // Written by something other than the stock Start query: no acctupdatetime, so acctstarttime is its key.
        await start('s5', 'erin', '198.51.100.5', T + 120, false);

        await assert.rejects(connectRadacct(dialect.url, `${scratch.table}_missing`), /cannot read the table/);
        db = await connectRadacct(dialect.url, scratch.table);

        // The caller keeps the cursor as text between calls.
        let stored: string | undefined;
        const page = async (limit = 2) => {
          const cursor: RadacctCursor | undefined = stored === undefined ? undefined : parseRadacctCursor(stored);
          const result = await readRadacctChanges(db!, cursor, limit);
          stored = radacctCursorText(result.cursor);
          return { rows: result.rows, seen: seen(result.records) };
        };

        assert.deepEqual(await page(), {
          rows: 2,
          seen: ['radacct 1 start 198.51.100.1 12:00:00', 'radacct 2 start 198.51.100.2 12:00:00'],
        });
        assert.deepEqual(await page(), {
          rows: 2,
          seen: ['radacct 3 start 198.51.100.3 12:00:00', 'radacct 4 start 198.51.100.4 12:01:00'],
        });
        assert.deepEqual(await page(), { rows: 1, seen: ['radacct 5 start 198.51.100.5 12:02:00'] });
        const caughtUp = stored;
        assert.deepEqual(await page(), { rows: 0, seen: [] });
        assert.equal(stored, caughtUp, 'nothing new leaves the cursor where it was');

        // An Interim-Update of s4 at 12:03 and a Stop of s2 at 12:05, as the stock queries write them.
        await scratch.exec(
          `update radacct set acctinterval = 120, acctupdatetime = ${dialect.time} where acctsessionid = 's4'`,
          [T + 180],
        );
        await scratch.exec(`${dialect.stop}, acctterminatecause = 'User-Request' where acctsessionid = 's2'`, [
          T + 300,
        ]);
        assert.deepEqual(await page(), {
          rows: 2,
          seen: [
            'radacct 4 start 198.51.100.4 12:01:00',
            'radacct 4 update 198.51.100.4 12:03:00 every 120s',
            'radacct 2 start 198.51.100.2 12:00:00',
            'radacct 2 stop 198.51.100.2 12:05:00',
          ],
        });
        assert.deepEqual(await page(), { rows: 0, seen: [] });

        // The whole event, once: what the store gets for the stopped row.
        const again = await readRadacctChanges(db, undefined, 10);
        const stop = again.records.find((r) => r.action === 'stop');
        assert.deepEqual(stop, {
          session: '192.0.2.1/s2/198.51.100.2',
          action: 'stop',
          at: (T + 300) * 1000,
          startedAt: T * 1000,
          address: '198.51.100.2',
          subscriberKey: 'bob',
          keyKind: 'user',
          nas: '192.0.2.1',
          evidence: 'radacct 2',
          detail: {
            callingstationid: '02:00:5e:00:53:01',
            acctuniqueid: 'unique-s2',
            acctterminatecause: 'User-Request',
          },
        });
        assert.equal(again.rows, 5);
        assert.deepEqual(again.cursor, parseRadacctCursor(stored!), 'one read of everything ends where the pages did');

        // Two rows sharing a key with a fraction of a second (kept to the microsecond by PostgreSQL, dropped by
        // MySQL's DATETIME): the cursor between them must not fall back to the whole second, or the first would be
        // read twice.
        for (const session of ['s6', 's7']) {
          await scratch.exec(
            `insert into radacct (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime, acctupdatetime,
             framedipaddress) values (?, ?, 'grace', '192.0.2.1', ${dialect.time},
             ${dialect.time}, '198.51.100.7')`,
            [session, `unique-${session}`, T + 400.123456, T + 400.123456],
          );
        }
        assert.deepEqual((await page(1)).seen, ['radacct 6 start 198.51.100.7 12:06:40']);
        assert.deepEqual((await page(1)).seen, ['radacct 7 start 198.51.100.7 12:06:40']);
        assert.deepEqual(await page(1), { rows: 0, seen: [] });

        // A row written just now waits out the settling time, then is read.
        await scratch.exec(
          `insert into radacct (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime, acctupdatetime,
           framedipaddress) values ('s8', 'unique-s8', 'frank', '192.0.2.1', now(), now(), '198.51.100.6')`,
        );
        // Whatever the clock says of the fixed times above, only s8 is younger than an hour.
        const sessions = async (settleSeconds: number) =>
          (await readRadacctChanges(db!, undefined, 10, { settleSeconds })).records.flatMap((r) =>
            r.action === 'start' ? [r.session] : [],
          );
        assert.ok((await sessions(0)).includes('192.0.2.1/s8/198.51.100.6'));
        assert.ok(!(await sessions(3600)).includes('192.0.2.1/s8/198.51.100.6'));
      } finally {
        await db?.close();
        await scratch.drop();
      }
    },
  );
}

test('the cursor as text: round trip, and a clear error for anything else', () => {
  for (const cursor of [
    { at: '2026-11-25T03:00:00.000000Z', radacctid: '1234' },
    { at: '2026-11-25T12:00:00.000000', radacctid: '9223372036854775807' },
    RADACCT_CURSOR_START,
  ]) {
    assert.deepEqual(parseRadacctCursor(radacctCursorText(cursor)), cursor);
  }
  assert.equal(
    radacctCursorText({ at: '2026-11-25T03:00:00.000000Z', radacctid: '7' }),
    '2026-11-25T03:00:00.000000Z/7',
  );
  for (const text of ['', '1234', '2026-11-25T03:00:00Z', '2026-11-25T03:00:00Z/x', "2026-11-25'/1", '/1']) {
    assert.throws(() => parseRadacctCursor(text), /is not a radacct cursor/, text);
  }
});

test('table names are checked before anything reaches a database', async () => {
  for (const table of ['radacct; drop table radacct', 'radacct"', 'a.b.c', '', '1radacct', 'rad acct', 'radacct`']) {
    await assert.rejects(connectRadacct('postgres://127.0.0.1:1/none', table), /not a table name/, table);
    await assert.rejects(connectRadacct('mysql://127.0.0.1:1/none', table), /not a table name/, table);
  }
  await assert.rejects(connectRadacct('sqlite:///tmp/x.db'), /not a database URL/);
  await assert.rejects(connectRadacct('postgres://u:secret@127.0.0.1:1/none'), (error: Error) => {
    assert.doesNotMatch(error.message, /secret/);
    return /cannot read the table radacct/.test(error.message);
  });
  const fake: RadacctConnection = {
    dialect: 'postgres',
    table: 'radacct"; drop table x; --',
    query: async () => assert.fail('no statement may run'),
    close: async () => {},
  };
  await assert.rejects(readRadacctChanges(fake, undefined, 2), /not a table name/);
  await assert.rejects(readRadacctChanges({ ...fake, table: 'radacct' }, undefined, 0), /limit/);
  await assert.rejects(
    readRadacctChanges({ ...fake, table: 'radacct' }, { at: "x' or 1=1 --", radacctid: '1' }, 2),
    /not a radacct cursor/,
  );
});

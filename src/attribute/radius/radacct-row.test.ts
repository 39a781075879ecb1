import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeaseEvent, LeaseRecord } from '../../domain/lease.js';
import { localTimeIn } from '../../observe/local-time.js';
import { mutations, prng } from '../../observe/line-mutations.test-support.js';
import { RADACCT_COLUMNS, radacctRecords, type RadacctRow } from './radacct-row.js';

// Rows as the drivers return them: pg (timestamptz as Date, bigint as text, inet as text, NULL for absent) and
// mysql2 after UNIX_TIMESTAMP() (times as seconds, '' for absent in the stock MySQL schema).

const tokyo = localTimeIn('Asia/Tokyo');
const T = Date.UTC(2026, 10, 25, 3); // 2026-11-25 12:00 in Tokyo
const HALF_HOUR = 1_800_000;
const NO_TIMES =
  'rejected: session 0000A001: the row has no acctstarttime, acctupdatetime or acctstoptime, so it cannot be ' +
  'placed in time';

const pgRow: RadacctRow = {
  radacctid: '17',
  acctsessionid: '0000A001',
  acctuniqueid: '142ff3c95e6d28d55438253866438c31',
  username: 'alice@example.jp',
  nasipaddress: '192.0.2.1',
  nasportid: 'xe-0/0/0.100:100-200',
  acctstarttime: new Date(T),
  acctupdatetime: new Date(T + HALF_HOUR),
  acctstoptime: new Date(T + HALF_HOUR),
  acctinterval: '300',
  acctsessiontime: '1800',
  callingstationid: '02:00:5e:00:53:01',
  acctterminatecause: 'User-Request',
  framedipaddress: '198.51.100.10',
  framedipv6address: null,
  framedipv6prefix: '2001:db8:ffff:1::/64',
  framedinterfaceid: null,
  delegatedipv6prefix: '2001:db8:100::/56',
};

const detail = {
  callingstationid: '02:00:5e:00:53:01',
  nasportid: 'xe-0/0/0.100:100-200',
  acctuniqueid: '142ff3c95e6d28d55438253866438c31',
};

function aliceEvent(action: LeaseEvent['action'], at: number, address: string, cause?: string): LeaseEvent {
  const event: LeaseEvent = {
    session: `192.0.2.1/0000A001/${address}`,
    action,
    at,
    address,
    subscriberKey: 'alice@example.jp',
    keyKind: 'user',
    nas: '192.0.2.1',
    evidence: 'radacct 17',
    detail: cause === undefined ? { ...detail } : { ...detail, acctterminatecause: cause },
  };
  if (action !== 'start') event.startedAt = T;
  return event;
}

const records = (row: RadacctRow) => radacctRecords(row, 'radacct 17', tokyo);

/** `start 198.51.100.10 03:00:00.000` (UTC), or `rejected: <reason>`. */
function brief(list: LeaseRecord[]): string[] {
  return list.map((r) => {
    if (r.action === 'rejected') return `rejected: ${r.reason}`;
    if (r.action === 'reset') return `reset ${r.nas}`;
    return `${r.action} ${r.address} ${new Date(r.at).toISOString().slice(11, 23)}`;
  });
}

test('a stopped session: a start and a stop for each address it held', () => {
  const stop = T + HALF_HOUR;
  assert.deepEqual(records(pgRow), [
    aliceEvent('start', T, '198.51.100.10', 'User-Request'),
    aliceEvent('stop', stop, '198.51.100.10', 'User-Request'),
    aliceEvent('start', T, '2001:db8:ffff:1::/64', 'User-Request'),
    aliceEvent('stop', stop, '2001:db8:ffff:1::/64', 'User-Request'),
    aliceEvent('start', T, '2001:db8:100::/56', 'User-Request'),
    aliceEvent('stop', stop, '2001:db8:100::/56', 'User-Request'),
  ]);
});

test('an open session: a start, and an update once an interim update has come', () => {
  const open: RadacctRow = {
    ...pgRow,
    acctstoptime: null,
    acctterminatecause: null,
    framedipv6prefix: null,
    delegatedipv6prefix: null,
  };
  const update = aliceEvent('update', T + HALF_HOUR, '198.51.100.10');
  update.interimSeconds = 300;
  assert.deepEqual(records(open), [aliceEvent('start', T, '198.51.100.10'), update]);
  // Just started: the stock Start query sets acctupdatetime to the start, which says nothing new.
  assert.deepEqual(brief(records({ ...open, acctupdatetime: new Date(T), acctinterval: null })), [
    'start 198.51.100.10 03:00:00.000',
  ]);
  // No acctupdatetime at all (a writer other than the stock queries).
  assert.deepEqual(brief(records({ ...open, acctupdatetime: null })), ['start 198.51.100.10 03:00:00.000']);
  // No acctstarttime: what is known is still said.
  assert.deepEqual(brief(records({ ...open, acctstarttime: null })), ['update 198.51.100.10 03:30:00.000']);
  assert.equal((records({ ...open, acctstarttime: null })[0] as LeaseEvent).startedAt, undefined);
});

test('MySQL rows: times in seconds, empty strings for absent values', () => {
  const mysqlRow: RadacctRow = {
    radacctid: 4,
    acctsessionid: '0000B001',
    acctuniqueid: '42ff1f258e2883e85031a84cb6f6395d',
    username: 'erin@example.jp',
    nasipaddress: '192.0.2.2',
    nasportid: '',
    acctstarttime: T / 1000 + 180,
    acctupdatetime: T / 1000 + 180,
    acctstoptime: T / 1000 + 2400,
    acctinterval: null,
    acctsessiontime: 2220,
    callingstationid: '02:00:5e:00:53:05',
    acctterminatecause: 'NAS-Reboot',
    framedipaddress: '198.51.100.20',
    framedipv6address: '',
    framedipv6prefix: '',
    framedinterfaceid: '',
    delegatedipv6prefix: '',
  };
  const [start, stop, ...rest] = radacctRecords(mysqlRow, 'radacct 4');
  assert.deepEqual(rest, []);
  assert.deepEqual(stop, {
    session: '192.0.2.2/0000B001/198.51.100.20',
    action: 'stop',
    at: T + 2_400_000,
    startedAt: T + 180_000,
    address: '198.51.100.20',
    subscriberKey: 'erin@example.jp',
    keyKind: 'user',
    nas: '192.0.2.2',
    evidence: 'radacct 4',
    detail: {
      callingstationid: '02:00:5e:00:53:05',
      acctuniqueid: '42ff1f258e2883e85031a84cb6f6395d',
      acctterminatecause: 'NAS-Reboot',
    },
  });
  assert.equal(start?.action, 'start');
  // A DECIMAL from UNIX_TIMESTAMP() of a DATETIME(6), a bigint, and MySQL's zero date (no time, not 1970).
  assert.deepEqual(
    brief(radacctRecords({ ...mysqlRow, acctstarttime: 1795575600.25, acctupdatetime: null, acctstoptime: 0 }, 'x')),
    ['start 198.51.100.20 03:00:00.250'],
  );
  assert.deepEqual(
    brief(radacctRecords({ ...mysqlRow, acctstarttime: 1795575600n, acctupdatetime: null, acctstoptime: null }, 'x')),
    ['start 198.51.100.20 03:00:00.000'],
  );
  assert.deepEqual(brief(radacctRecords({ ...mysqlRow, acctstarttime: -5 }, 'x')), [
    'rejected: session 0000B001: acctstarttime -5 is not a time in seconds since 1970',
  ]);
  // No User-Name: the event says who by nothing but the session.
  const anonymous = radacctRecords({ ...mysqlRow, username: '' }, 'x')[0] as LeaseEvent;
  assert.equal(anonymous.subscriberKey, undefined);
  assert.equal(anonymous.keyKind, undefined);
});

test('time text as the dumps write it', () => {
  const at = (text: string, localTime = tokyo) =>
    brief(
      radacctRecords(
        {
          ...pgRow,
          acctstarttime: text,
          acctupdatetime: null,
          acctstoptime: null,
          framedipv6prefix: null,
          delegatedipv6prefix: null,
        },
        'line 2',
        localTime,
      ),
    );
  const noon = ['start 198.51.100.10 03:00:00.000'];
  assert.deepEqual(at('2026-11-25 12:00:00+09'), noon);
  assert.deepEqual(at('2026-11-25 03:00:00+00'), noon);
  assert.deepEqual(at('2026-11-25 08:30:00+05:30'), noon);
  assert.deepEqual(at('2026-11-24 22:00:00-05'), noon);
  assert.deepEqual(at('2026-11-25T03:00:00Z'), noon);
  assert.deepEqual(at('2026-11-25 12:00:00'), noon, 'zone-less: the local time the context gives');
  assert.deepEqual(at('2026-11-25 12:00:00.123456+09'), ['start 198.51.100.10 03:00:00.123']);
  assert.deepEqual(at('2026-11-25 12:00:00.5'), ['start 198.51.100.10 03:00:00.500']);
  assert.deepEqual(at('0000-00-00 00:00:00'), [NO_TIMES]);
  for (const bad of [
    'yesterday',
    '2026-02-30 12:00:00',
    '2026-11-25 24:00:00',
    '2026-11-25 12:00',
    '25/11/2026 12:00:00',
  ]) {
    assert.deepEqual(at(bad), [
      `rejected: session 0000A001: acctstarttime "${bad}" is not a time: expected 2026-11-25 12:00:00, with a ` +
        'fraction of a second and a UTC offset (+09, +05:30, Z) if the database wrote them',
    ]);
  }
  const withoutZone = radacctRecords({ ...pgRow, acctstarttime: '2026-11-25 12:00:00' }, 'line 2');
  assert.equal(withoutZone.length, 1);
  assert.match((withoutZone[0] as { reason: string }).reason, /acctstarttime "2026-11-25 12:00:00" has no UTC offset/);
});

test('rows that cannot be read are rejected with the reason and the row', () => {
  const [noSession] = radacctRecords({ ...pgRow, acctsessionid: ' ' }, 'radacct 17');
  assert.equal(noSession?.action, 'rejected');
  assert.match((noSession as { reason: string }).reason, /no acctsessionid/);
  assert.equal(noSession?.evidence, 'radacct 17');
  assert.deepEqual(JSON.parse((noSession as { raw: string }).raw).acctstarttime, '2026-11-25T03:00:00.000Z');

  assert.deepEqual(brief(records({ ...pgRow, acctstarttime: null, acctupdatetime: null, acctstoptime: null })), [
    NO_TIMES,
  ]);
  assert.deepEqual(
    brief(records({ ...pgRow, framedipv6prefix: null, delegatedipv6prefix: null, acctstoptime: new Date(T - 1000) })),
    [
      'rejected: session 0000A001: acctstoptime (2026-11-25T02:59:59.000Z) is before acctstarttime ' +
        '(2026-11-25T03:00:00.000Z): check the NAS clock',
    ],
  );
  assert.deepEqual(brief(records({ ...pgRow, acctstarttime: new Date(Number.NaN) })), [
    'rejected: session 0000A001: acctstarttime is an invalid date',
  ]);
});

test('addresses: canonical text, one session each, a bad one rejected on its own', () => {
  const row: RadacctRow = {
    ...pgRow,
    nasipaddress: '2001:DB8::0:1',
    framedipaddress: '198.51.100.10/32',
    framedipv6address: '2001:DB8:FFFF:2:0:0:0:10',
    framedipv6prefix: '2001:db8:ffff:2::/64',
    delegatedipv6prefix: '2001:db8:100::1/56',
  };
  const list = records(row);
  assert.deepEqual(brief(list), [
    'rejected: delegatedipv6prefix of session 0000A001: "2001:db8:100::1/56" has host bits set: the network is ' +
      '2001:db8:100::/56 (write that, or the single address)',
    'start 198.51.100.10 03:00:00.000',
    'stop 198.51.100.10 03:30:00.000',
    'start 2001:db8:ffff:2::/64 03:00:00.000',
    'stop 2001:db8:ffff:2::/64 03:30:00.000',
    'start 2001:db8:ffff:2::10 03:00:00.000',
    'stop 2001:db8:ffff:2::10 03:30:00.000',
  ]);
  assert.equal((list[1] as LeaseEvent).session, '2001:db8::1/0000A001/198.51.100.10');
  assert.equal((list[1] as LeaseEvent).nas, '2001:db8::1');
  // A full-length prefix is the address, held once.
  assert.deepEqual(
    brief(
      records({
        ...pgRow,
        framedipv6prefix: '2001:db8::7/128',
        framedipv6address: '2001:db8::7',
        delegatedipv6prefix: null,
        framedipaddress: 'bogus',
      }),
    ),
    [
      'rejected: framedipaddress of session 0000A001: "bogus" is not an IPv4 address in dotted-decimal form ' +
        '(four numbers 0–255, no leading zeros)',
      'start 2001:db8::7 03:00:00.000',
      'stop 2001:db8::7 03:30:00.000',
    ],
  );
  // No address at all (a session still negotiating): nothing about leases.
  assert.deepEqual(
    records({ ...pgRow, framedipaddress: null, framedipv6prefix: '', delegatedipv6prefix: null, acctstarttime: 'x' }),
    [],
  );
});

test('never throws, whatever the columns hold', () => {
  const random = prng(6);
  const texts = [
    ...mutations(
      Object.values(pgRow).map((v) => (v instanceof Date ? v.toISOString() : String(v))),
      {
        seed: 6,
        rounds: 3000,
        alphabet: '0123456789:./-+ TZabcdef\'"\\\t',
      },
    ),
  ];
  const odd = [null, undefined, '', 0, -1, 1e300, Number.NaN, 12n, new Date(Number.NaN), new Date(8.64e15)];
  for (let round = 0; round < 3000; round++) {
    const row: Record<string, unknown> = { ...pgRow };
    for (const column of RADACCT_COLUMNS) {
      if (random(3) !== 0) continue;
      row[column] = random(4) === 0 ? odd[random(odd.length)] : texts[random(texts.length)];
    }
    const out = radacctRecords(row as RadacctRow, 'radacct 1', random(2) === 0 ? tokyo : undefined);
    for (const record of out) {
      if (record.action === 'rejected') assert.ok(record.reason.length > 0);
      else if (record.action !== 'reset' && !Number.isFinite(record.at)) assert.fail(`no time: ${String(record.at)}`);
    }
  }
});

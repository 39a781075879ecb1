import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LeaseEvent, LeaseRecord } from '../../domain/lease.js';
import { accountingRecords, type RadiusAttributes } from './accounting-records.js';

const T = 1_795_563_000; // 2026-11-24T23:30:00Z, in seconds as RADIUS carries it
const ms = (seconds: number) => seconds * 1000;

/** A Start from a BNG, holding an IPv4 address, an on-link /64 and a delegated /56. */
const start: RadiusAttributes = {
  'Acct-Status-Type': 'Start',
  'User-Name': 'alice@isp.example',
  'Acct-Session-Id': '4d2a0001',
  'NAS-IP-Address': '192.0.2.1',
  'NAS-Identifier': 'bng1',
  'NAS-Port-Id': 'ge-0/0/1.100:100-2001',
  'Calling-Station-Id': '00:11:22:33:44:55',
  'Framed-IP-Address': '198.51.100.7',
  'Framed-IPv6-Prefix': '2001:db8:200:1::/64',
  'Delegated-IPv6-Prefix': '2001:db8:100::/56',
  'Event-Timestamp': String(T),
  'Acct-Interim-Interval': '300',
};

const read = (attrs: RadiusAttributes) => accountingRecords(attrs, 'line 7');
const events = (records: LeaseRecord[]) => records.filter((r): r is LeaseEvent => 'session' in r);
const reason = (records: LeaseRecord[]) => {
  assert.equal(records.length, 1, JSON.stringify(records));
  assert.equal(records[0]!.action, 'rejected');
  return (records[0] as Extract<LeaseRecord, { action: 'rejected' }>).reason;
};

test('a Start gives one start event per address held, each its own session', () => {
  const detail = {
    'NAS-Port-Id': 'ge-0/0/1.100:100-2001',
    'Calling-Station-Id': '00:11:22:33:44:55',
    'NAS-IP-Address': '192.0.2.1',
    'NAS-Identifier': 'bng1',
  };
  const common = {
    action: 'start',
    at: ms(T),
    evidence: 'line 7',
    nas: '192.0.2.1',
    subscriberKey: 'alice@isp.example',
    keyKind: 'user',
    interimSeconds: 300,
    detail,
  };
  assert.deepEqual(read(start), [
    { session: '192.0.2.1/4d2a0001/198.51.100.7', address: '198.51.100.7', ...common },
    { session: '192.0.2.1/4d2a0001/2001:db8:200:1::/64', address: '2001:db8:200:1::/64', ...common },
    { session: '192.0.2.1/4d2a0001/2001:db8:100::/56', address: '2001:db8:100::/56', ...common },
  ]);
});

test('Interim-Update (also Alive, or the number 3) is an update, Stop a stop; both say when the session began', () => {
  for (const [status, action] of [
    ['Interim-Update', 'update'],
    ['Alive', 'update'],
    ['3', 'update'],
    ['Stop', 'stop'],
    ['2', 'stop'],
  ] as const) {
    const records = events(read({ ...start, 'Acct-Status-Type': status, 'Acct-Session-Time': '600' }));
    assert.equal(records.length, 3, status);
    for (const event of records) {
      assert.equal(event.action, action, status);
      assert.equal(event.at, ms(T), status);
      assert.equal(event.startedAt, ms(T - 600), status);
    }
  }
  assert.equal(events(read({ ...start, 'Acct-Status-Type': '1' }))[0]!.action, 'start');
  // A Start's session time (some NASes send 0) says nothing the start time does not.
  assert.equal(events(read({ ...start, 'Acct-Session-Time': '0' }))[0]!.startedAt, undefined);
});

test('Event-Timestamp is when it happened; Acct-Delay-Time counts from arrival, so it is not subtracted from it', () => {
  const records = events(read({ ...start, 'Acct-Delay-Time': '30', Timestamp: String(T + 31) }));
  assert.equal(records[0]!.at, ms(T));
});

test('without Event-Timestamp: the arrival (Timestamp) minus Acct-Delay-Time', () => {
  const { 'Event-Timestamp': _, ...noStamp } = start;
  assert.equal(events(read({ ...noStamp, Timestamp: String(T), 'Acct-Delay-Time': '30' }))[0]!.at, ms(T - 30));
  assert.equal(events(read({ ...noStamp, Timestamp: String(T) }))[0]!.at, ms(T));
  assert.match(reason(read(noStamp)), /neither Event-Timestamp nor Timestamp/);
  assert.match(reason(read({ ...noStamp, Timestamp: 'soon' })), /^Timestamp "soon" is not a whole number of seconds/);
  assert.match(
    reason(read({ ...noStamp, Timestamp: String(T), 'Acct-Delay-Time': '-1' })),
    /^Acct-Delay-Time "-1" is not a whole number of seconds/,
  );
});

test('an Event-Timestamp before 2000 is a NAS clock never set: the arrival is used instead', () => {
  const unset = { ...start, 'Event-Timestamp': '86400' };
  assert.equal(events(read({ ...unset, Timestamp: String(T), 'Acct-Delay-Time': '2' }))[0]!.at, ms(T - 2));
  assert.match(reason(read(unset)), /Event-Timestamp 86400 is before the year 2000 .* no Timestamp/);
});

test('an unreadable time or count rejects the record, saying which attribute', () => {
  assert.match(
    reason(read({ ...start, 'Event-Timestamp': 'Nov 25' })),
    /^Event-Timestamp "Nov 25" is not a whole number/,
  );
  assert.match(reason(read({ ...start, 'Event-Timestamp': '99999999999' })), /Event-Timestamp "99999999999"/);
  assert.match(
    reason(read({ ...start, 'Acct-Status-Type': 'Stop', 'Acct-Session-Time': '1e3' })),
    /^Acct-Session-Time "1e3" is not a whole number/,
  );
  assert.match(reason(read({ ...start, 'Acct-Interim-Interval': '0x0001' })), /^Acct-Interim-Interval "0x0001"/);
});

test('Accounting-On and Accounting-Off reset the NAS at the time of the record', () => {
  for (const status of ['Accounting-On', 'Accounting-Off', '7', '8']) {
    const record = { 'Acct-Status-Type': status, 'NAS-IP-Address': '192.0.2.1', 'Event-Timestamp': String(T) };
    assert.deepEqual(read(record), [{ action: 'reset', nas: '192.0.2.1', at: ms(T), evidence: 'line 7' }], status);
  }
  // No session id is needed to reset a NAS, but a time is.
  assert.match(reason(read({ 'Acct-Status-Type': 'Accounting-On', 'NAS-IP-Address': '192.0.2.1' })), /neither/);
});

test('the NAS is NAS-IP-Address, else NAS-IPv6-Address, else NAS-Identifier, else the packet source', () => {
  const { 'NAS-IP-Address': _ip, 'NAS-Identifier': _id, ...bare } = start;
  const nas = (extra: RadiusAttributes) => events(read({ ...bare, ...extra }))[0]!;
  assert.equal(nas({ 'NAS-IPv6-Address': '2001:DB8:0:0::1', 'NAS-Identifier': 'bng1' }).nas, '2001:db8::1');
  assert.equal(nas({ 'NAS-IPv6-Address': '2001:DB8:0:0::1' }).session, '2001:db8::1/4d2a0001/198.51.100.7');
  assert.equal(nas({ 'NAS-Identifier': 'bng1', 'Packet-Src-IP-Address': '10.0.0.1' }).nas, 'bng1');
  assert.equal(nas({ 'Packet-Src-IP-Address': '10.0.0.1' }).nas, '10.0.0.1');
  assert.equal(nas({ 'Packet-Src-IPv6-Address': '::1' }).nas, '::1');
  assert.match(reason(read(bare)), /names no NAS/);
  assert.match(
    reason(read({ ...bare, 'NAS-IP-Address': '192.0.2.300' })),
    /^NAS-IP-Address "192.0.2.300": .*not an IPv4/,
  );
});

test('a session record that holds no address yet says nothing about a lease', () => {
  const { 'Framed-IP-Address': _4, 'Framed-IPv6-Prefix': _6, 'Delegated-IPv6-Prefix': _pd, ...none } = start;
  for (const status of ['Start', 'Interim-Update', 'Stop']) {
    assert.deepEqual(read({ ...none, 'Acct-Status-Type': status, 'Acct-Session-Time': '5' }), [], status);
  }
  // "The NAS should choose" values of Framed-IP-Address are not addresses held.
  for (const placeholder of ['0.0.0.0', '255.255.255.255', '255.255.255.254']) {
    assert.deepEqual(read({ ...none, 'Framed-IP-Address': placeholder }), [], placeholder);
  }
  assert.deepEqual(read({ ...none, 'Framed-IPv6-Address': '::' }), []);
});

test('statuses that are not about a session (tunnels, Failed, vendor values) say nothing', () => {
  for (const status of [
    'Tunnel-Start',
    'Tunnel-Link-Stop',
    'Failed',
    '15',
    'Modem-Start',
    'Annex-ATCP-Start',
    '255',
    'constructor',
  ]) {
    assert.deepEqual(read({ ...start, 'Acct-Status-Type': status }), [], status);
  }
});

test('a record without Acct-Status-Type or Acct-Session-Id is rejected with the reason', () => {
  const { 'Acct-Status-Type': _s, ...noStatus } = start;
  assert.match(reason(read(noStatus)), /has no Acct-Status-Type/);
  assert.match(reason(read({ ...start, 'Acct-Status-Type': '' })), /Acct-Status-Type is empty/);
  const { 'Acct-Session-Id': _i, ...noSession } = start;
  assert.match(reason(read(noSession)), /the Start record has no Acct-Session-Id, so its start, updates and stop/);
  assert.match(reason(read({ ...start, 'Acct-Session-Id': '' })), /has no Acct-Session-Id/);
});

test('an attribute allowed once that appears twice: equal copies are tolerated, different ones rejected', () => {
  assert.equal(events(read({ ...start, 'Acct-Session-Id': ['a', 'a'] })).length, 3);
  assert.match(reason(read({ ...start, 'Acct-Session-Id': ['a', 'b'] })), /Acct-Session-Id appears 2 times .*"a", "b"/);
  assert.match(reason(read({ ...start, 'Acct-Status-Type': ['Start', 'Stop'] })), /Acct-Status-Type appears 2 times/);
  assert.match(reason(read({ ...start, 'NAS-IP-Address': ['192.0.2.1', '192.0.2.2'] })), /NAS-IP-Address appears/);
});

test('addresses come out canonical: IPv6 compressed and lower case, host bits of a prefix cleared', () => {
  const addresses = (extra: RadiusAttributes) =>
    events(
      read({ ...start, 'Framed-IP-Address': [], 'Framed-IPv6-Prefix': [], 'Delegated-IPv6-Prefix': [], ...extra }),
    ).map((e) => e.address);
  assert.deepEqual(addresses({ 'Framed-IPv6-Address': '2001:DB8:0:0:0:0:0:5' }), ['2001:db8::5']);
  assert.deepEqual(addresses({ 'Framed-IPv6-Prefix': '2001:db8:200:1::1/64' }), ['2001:db8:200:1::/64']);
  assert.deepEqual(addresses({ 'Delegated-IPv6-Prefix': '2001:db8:100:ab::/56' }), ['2001:db8:100::/56']);
  assert.deepEqual(addresses({ 'Framed-IPv6-Prefix': '2001:db8::7/128' }), ['2001:db8::7']);
  assert.deepEqual(addresses({ 'Delegated-IPv6-Prefix': ['2001:db8:1::/48', '2001:db8:2::/48'] }), [
    '2001:db8:1::/48',
    '2001:db8:2::/48',
  ]);
  // The same prefix named twice (on-link and as a route) is one lease.
  assert.deepEqual(
    addresses({ 'Framed-IPv6-Prefix': '2001:db8:9::/64', 'Framed-IPv6-Route': '2001:db8:9::/64 :: 1' }),
    ['2001:db8:9::/64'],
  );
});

test('routed blocks (Framed-Route with a length or a netmask, Framed-IPv6-Route) are held too', () => {
  const routes = (extra: RadiusAttributes) =>
    events(read({ ...start, 'Framed-IPv6-Prefix': [], 'Delegated-IPv6-Prefix': [], ...extra })).map((e) => e.address);
  assert.deepEqual(routes({ 'Framed-Route': '203.0.113.8/29 0.0.0.0 1' }), ['198.51.100.7', '203.0.113.8/29']);
  assert.deepEqual(routes({ 'Framed-Route': '203.0.113.8 255.255.255.248' }), ['198.51.100.7', '203.0.113.8/29']);
  assert.deepEqual(routes({ 'Framed-IPv6-Route': '2001:db8:5::/48 :: 1' }), ['198.51.100.7', '2001:db8:5::/48']);
  // A destination without a length is read no further (it is still in the detail).
  const [event] = events(read({ ...start, 'Framed-Route': '203.0.113.8 198.51.100.7 1' }));
  assert.equal(event!.detail!['Framed-Route'], '203.0.113.8 198.51.100.7 1');
  assert.equal(events(read({ ...start, 'Framed-Route': '203.0.113.8 198.51.100.7 1' })).length, 3);
});

test('an unreadable or too wide address is a dead letter of its own; the other addresses still lease', () => {
  const records = read({
    ...start,
    'Framed-IP-Address': '198.51.100.300',
    'Framed-IPv6-Prefix': '2001:db8::/16',
    'Framed-Route': '0.0.0.0/0 192.0.2.1 1',
  });
  assert.deepEqual(
    records.map((r) => (r.action === 'rejected' ? r.reason : (r as LeaseEvent).address)),
    [
      'Framed-IP-Address "198.51.100.300": "198.51.100.300" is not an IPv4 address in dotted-decimal form (four numbers 0–255, no leading zeros)',
      'Framed-IPv6-Prefix "2001:db8::/16" is a /16, wider than one subscriber holds (the widest taken is /32): left out of the leases so that it does not name this subscriber for every address inside it',
      'Framed-Route "0.0.0.0/0 192.0.2.1 1" is a /0, wider than one subscriber holds (the widest taken is /16): left out of the leases so that it does not name this subscriber for every address inside it',
      '2001:db8:100::/56',
    ],
  );
  assert.match(
    reason(read({ ...start, 'Framed-IPv6-Prefix': [], 'Delegated-IPv6-Prefix': [], 'Framed-IP-Address': 'x' })),
    /Framed-IP-Address "x"/,
  );
  assert.match(
    reason(
      read({ ...start, 'Framed-IP-Address': [], 'Delegated-IPv6-Prefix': [], 'Framed-IPv6-Prefix': '2001:db8::/129' }),
    ),
    /the prefix length "129" is not a number from 0 to 128/,
  );
  assert.match(
    reason(read({ ...start, 'Framed-IP-Address': [], 'Delegated-IPv6-Prefix': [], 'Framed-IPv6-Prefix': '0x0040' })),
    /Framed-IPv6-Prefix "0x0040" is not an IPv6 prefix/,
  );
});

test('the subscriber key is User-Name; without one the lease has no key', () => {
  const { 'User-Name': _, ...anonymous } = start;
  const [event] = events(read(anonymous));
  assert.equal(event!.subscriberKey, undefined);
  assert.equal(event!.keyKind, undefined);
  assert.equal(events(read({ ...start, 'User-Name': '' }))[0]!.subscriberKey, undefined);
});

test('interimSeconds is Acct-Interim-Interval when above zero', () => {
  assert.equal(events(read({ ...start, 'Acct-Interim-Interval': '0' }))[0]!.interimSeconds, undefined);
  const { 'Acct-Interim-Interval': _, ...without } = start;
  assert.equal(events(read(without))[0]!.interimSeconds, undefined);
});

test('detail keeps the attributes that identify the line and device, nothing else', () => {
  const [event] = events(
    read({
      ...start,
      'Acct-Status-Type': 'Stop',
      'Acct-Terminate-Cause': 'Lost-Carrier',
      'Acct-Input-Octets': '1',
      Class: '0x0102',
      'Cisco-AVPair': 'x=y',
      'Called-Station-Id': ['a', 'b'],
    }),
  );
  assert.deepEqual(event!.detail, {
    'Calling-Station-Id': '00:11:22:33:44:55',
    'Called-Station-Id': 'a, b',
    'NAS-Port-Id': 'ge-0/0/1.100:100-2001',
    'NAS-IP-Address': '192.0.2.1',
    'NAS-Identifier': 'bng1',
    'Acct-Terminate-Cause': 'Lost-Carrier',
  });
  const bare = {
    'Acct-Status-Type': 'Start',
    'Acct-Session-Id': 's',
    'Packet-Src-IP-Address': '10.0.0.1',
    'Framed-IP-Address': '198.51.100.1',
    Timestamp: String(T),
  };
  assert.equal(events(read(bare))[0]!.detail, undefined);
});

test('a rejected record keeps the text it came from, or the attributes written out', () => {
  assert.deepEqual(
    accountingRecords({ 'Acct-Status-Type': 'Start', 'User-Name': ['a', 'b'] }, 'radius 192.0.2.1 id 3'),
    [
      {
        action: 'rejected',
        reason:
          'the record names no NAS (no NAS-IP-Address, NAS-IPv6-Address or NAS-Identifier), so its session id is not unique and an Accounting-On of its NAS could not close it',
        evidence: 'radius 192.0.2.1 id 3',
        raw: 'Acct-Status-Type = Start\nUser-Name = a\nUser-Name = b',
      },
    ],
  );
  const [record] = accountingRecords({ 'Acct-Status-Type': 'Start' }, 'line 1', 'the block\n\tas written');
  assert.equal(record!.action === 'rejected' && record!.raw, 'the block\n\tas written');
});

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { after, test } from 'node:test';
import radius from 'radius';
import { missingProgram } from '../../../test/support/components.js';
import { radclientSend, RADCLIENT } from '../../../test/support/freeradius.js';
import type { LeaseEvent, LeaseRecord } from '../../domain/lease.js';
import { startRadiusAccountingServer, type RadiusAccountingServerOptions } from './accounting-server.js';

// The receiver against the `radius` package as a NAS (and radclient, when installed): what is answered, when,
// and what is not.

const SECRET = 'nas-secret';
const T = 1_795_563_000;

type Received = { records: LeaseRecord[]; from: { address: string; port: number } };

const servers: { close(): Promise<void> }[] = [];
const sockets: Socket[] = [];
after(async () => {
  for (const s of sockets) s.close();
  for (const s of servers) await s.close();
});

async function server(options: Partial<RadiusAccountingServerOptions> = {}) {
  const received: Received[] = [];
  const warnings: string[] = [];
  const started = await startRadiusAccountingServer({
    host: '127.0.0.1',
    port: 0,
    clients: [{ address: '127.0.0.1', secret: SECRET }],
    onRecords: async (records, from) => {
      received.push({ records, from });
    },
    log: { warn: (_obj, msg) => warnings.push(msg), info: () => {} },
    ...options,
  });
  servers.push(started);
  return { ...started, received, warnings };
}

/** A NAS: one UDP socket that sends packets and collects what comes back. */
async function nas(family: 'udp4' | 'udp6' = 'udp4') {
  const socket = createSocket(family);
  sockets.push(socket);
  const replies: Buffer[] = [];
  socket.on('message', (m) => replies.push(m));
  await new Promise<void>((resolve) => socket.bind(0, family === 'udp4' ? '127.0.0.1' : '::1', resolve));
  return {
    replies,
    port: socket.address().port,
    send: (packet: Buffer, port: number) =>
      new Promise<void>((resolve, reject) =>
        socket.send(packet, port, family === 'udp4' ? '127.0.0.1' : '::1', (e) => (e ? reject(e) : resolve())),
      ),
  };
}

const until = async (what: string, check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const settle = () => new Promise((r) => setTimeout(r, 150));

const ipv6Prefix = (text: string) => {
  const [address, length] = text.split('/');
  const bytes = ipv6Bytes(address!);
  return Buffer.from([0, Number(length), ...bytes.slice(0, Math.ceil(Number(length) / 8))]);
};

function ipv6Bytes(address: string): number[] {
  const [head, tail = ''] = address.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head!);
  const t = groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** An Accounting-Request as a NAS encodes it (RFC 2866 authenticator), attributes by name or [number, bytes]. */
function request(identifier: number, attributes: [string | number, unknown][], secret = SECRET): Buffer {
  return radius.encode({ code: 'Accounting-Request', secret, identifier, attributes });
}

const start: [string | number, unknown][] = [
  ['Acct-Status-Type', 'Start'],
  ['User-Name', 'alice@isp.example'],
  ['Acct-Session-Id', '4d2a0001'],
  ['NAS-IP-Address', '192.0.2.1'],
  ['Framed-IP-Address', '198.51.100.7'],
  [97, ipv6Prefix('2001:db8:200:1::/64')],
  [123, ipv6Prefix('2001:db8:100::/56')],
  ['Calling-Station-Id', '00:11:22:33:44:55'],
  ['Event-Timestamp', new Date(T * 1000)],
];

test('a Start is handed over as lease records, then answered with a valid Accounting-Response', async () => {
  const s = await server();
  const n = await nas();
  const packet = request(7, start);
  await n.send(packet, s.port);
  await until('the answer', () => n.replies.length === 1);
  assert.ok(radius.verify_response({ request: packet, response: n.replies[0]!, secret: SECRET }));
  assert.equal(radius.decode({ packet: n.replies[0]!, secret: SECRET }).code, 'Accounting-Response');
  assert.equal(s.received.length, 1);
  assert.deepEqual(s.received[0]!.from, { address: '127.0.0.1', port: n.port });
  const events = s.received[0]!.records as LeaseEvent[];
  assert.deepEqual(
    events.map((e) => [e.session, e.action, e.at, e.subscriberKey, e.evidence]),
    [
      ['192.0.2.1/4d2a0001/198.51.100.7', 'start', T * 1000, 'alice@isp.example', 'radius 127.0.0.1 id 7'],
      ['192.0.2.1/4d2a0001/2001:db8:200:1::/64', 'start', T * 1000, 'alice@isp.example', 'radius 127.0.0.1 id 7'],
      ['192.0.2.1/4d2a0001/2001:db8:100::/56', 'start', T * 1000, 'alice@isp.example', 'radius 127.0.0.1 id 7'],
    ],
  );
  assert.deepEqual(events[0]!.detail, { 'Calling-Station-Id': '00:11:22:33:44:55', 'NAS-IP-Address': '192.0.2.1' });
  assert.deepEqual(s.stats(), {
    received: 1,
    answered: 1,
    badAuthenticator: 0,
    unknownClient: 0,
    duplicates: 0,
    malformed: 0,
    notStored: 0,
  });
});

test('the answer waits until the records are stored; a failed store is not answered, so the NAS retries', async () => {
  let release: () => void = () => {};
  let fail = true;
  const stored: LeaseRecord[][] = [];
  const s = await server({
    onRecords: async (records) => {
      if (fail) throw new Error('database is locked');
      await new Promise<void>((r) => (release = r));
      stored.push(records);
    },
  });
  const n = await nas();
  const packet = request(8, start);
  await n.send(packet, s.port);
  await settle();
  assert.equal(n.replies.length, 0);
  assert.equal(s.stats().notStored, 1);
  assert.deepEqual(s.warnings, ['accounting records not stored: left unanswered for the NAS to retry']);

  fail = false;
  await n.send(packet, s.port); // the NAS's retransmission is handed over, since the first was not stored
  await settle();
  assert.equal(n.replies.length, 0, 'no answer while storing');
  await n.send(packet, s.port); // retransmitted again while the store is still busy: not handed over twice
  await settle();
  release();
  await until('the answer', () => n.replies.length === 1);
  await settle();
  assert.equal(stored.length, 1);
  assert.equal(n.replies.length, 1);
  assert.equal(s.stats().duplicates, 1);
});

test('a retransmission of a stored record is answered again but handed over once', async () => {
  const s = await server();
  const n = await nas();
  const packet = request(9, start);
  for (let i = 0; i < 3; i++) {
    await n.send(packet, s.port);
    await until(`answer ${i + 1}`, () => n.replies.length === i + 1);
  }
  assert.equal(s.received.length, 1);
  assert.ok(n.replies.every((r) => r.equals(n.replies[0]!)));
  assert.deepEqual({ ...s.stats() }, { ...s.stats(), received: 3, answered: 3, duplicates: 2 });
  // The same identifier with other content (a new authenticator) is a new request.
  await n.send(request(9, [...start.slice(0, 2), ['Acct-Session-Id', 'other'], ...start.slice(3)]), s.port);
  await until('the fourth answer', () => n.replies.length === 4);
  assert.equal(s.received.length, 2);
});

test('a wrong shared secret is not answered; it is counted and logged once a minute per source', async () => {
  const s = await server();
  const n = await nas();
  for (let id = 0; id < 3; id++) await n.send(request(id, start, 'not-the-secret'), s.port);
  await settle();
  assert.equal(n.replies.length, 0);
  assert.equal(s.received.length, 0);
  assert.equal(s.stats().badAuthenticator, 3);
  assert.deepEqual(s.warnings, [
    'RADIUS accounting request with a wrong authenticator (is the shared secret the same on the NAS?): dropped',
  ]);
});

test('an address that is not a client is not answered; the most specific client entry gives the secret', async () => {
  const stranger = await server({ clients: [{ address: '192.0.2.0/24', secret: SECRET }] });
  const n = await nas();
  await n.send(request(1, start), stranger.port);
  await n.send(request(2, start), stranger.port);
  await settle();
  assert.equal(n.replies.length, 0);
  assert.equal(stranger.stats().unknownClient, 2);
  assert.deepEqual(stranger.warnings, ['RADIUS accounting from an address that is not a configured client: dropped']);

  const s = await server({
    clients: [
      { address: '127.0.0.0/8', secret: 'loopback-wide' },
      { address: '127.0.0.1', secret: SECRET },
    ],
  });
  await n.send(request(3, start, 'loopback-wide'), s.port);
  await n.send(request(4, start), s.port);
  await until('the answer', () => n.replies.length === 1);
  await settle();
  assert.equal(s.stats().badAuthenticator, 1);
  assert.equal(s.received.length, 1);
});

test('garbage never stops the server: each malformed packet is dropped and counted', async () => {
  const s = await server();
  const n = await nas();
  const good = request(20, start);
  const badLength = Buffer.from(good);
  badLength[good.length - 10] = 250; // an attribute claiming more bytes than the packet has
  const short = Buffer.from(good);
  short.writeUInt16BE(good.length + 10, 2); // Length field past the end of the datagram
  const garbage = [
    Buffer.alloc(0),
    Buffer.from([4, 1, 0]),
    Buffer.alloc(19, 4),
    Buffer.from('GET / HTTP/1.1\r\n\r\n'),
    badLength,
    short,
    Buffer.concat([Buffer.from([4, 21, 0, 22]), Buffer.alloc(16), Buffer.from([1, 0])]), // attribute length 0
    radius.encode({ code: 'Access-Request', secret: SECRET, identifier: 1, attributes: [['User-Name', 'x']] }),
    ...Array.from({ length: 200 }, (_, i) => Buffer.from(good.map((b, j) => (j === i % good.length ? b ^ 0xa5 : b)))),
  ];
  for (const packet of garbage) await n.send(packet, s.port);
  await n.send(good, s.port);
  await until('the answer to the good packet', () => n.replies.length >= 1);
  await settle();
  const stats = s.stats();
  assert.equal(stats.received, garbage.length + 1);
  // Damage to the header or attributes is malformed; damage to a value (or the authenticator) fails the check.
  assert.equal(stats.malformed + stats.badAuthenticator + stats.answered, stats.received);
  assert.ok(stats.malformed >= 8, `malformed ${stats.malformed}`);
  assert.equal(stats.answered, 1);
});

/**
 * An Accounting-Request with a Message-Authenticator, signed as FreeRADIUS signs one (RFC 3579 3.2, RFC 5176 3.3):
 * the HMAC over the packet with a zero Request Authenticator, then the Request Authenticator over the result.
 * (The `radius` package signs them the other way round, which neither FreeRADIUS nor this receiver accepts.)
 */
function requestWithMessageAuthenticator(identifier: number, attributes: [string | number, unknown][]): Buffer {
  const packet = request(identifier, [...attributes, [80, Buffer.alloc(16)]]);
  const at = packet.length - 16;
  packet.fill(0, 4, 20);
  createHmac('md5', SECRET).update(packet).digest().copy(packet, at);
  createHash('md5').update(packet).update(SECRET).digest().copy(packet, 4);
  return packet;
}

test('Proxy-State is echoed and a Message-Authenticator answered with one', async () => {
  const s = await server();
  const n = await nas();
  const packet = requestWithMessageAuthenticator(30, [...start, ['Proxy-State', Buffer.from('proxy-1')]]);
  await n.send(packet, s.port);
  await until('the answer', () => n.replies.length === 1);
  const answer = n.replies[0]!;
  // Response Authenticator: MD5(the answer with the request's authenticator in its place, then the secret).
  const check = Buffer.from(answer);
  packet.copy(check, 4, 4, 20);
  assert.deepEqual(createHash('md5').update(check).update(SECRET).digest(), answer.subarray(4, 20));
  const decoded = radius.decode_without_secret({ packet: answer });
  assert.equal(decoded.code, 'Accounting-Response');
  assert.equal(String(decoded.attributes['Proxy-State']), 'proxy-1');
  const ma = decoded.raw_attributes.find(([type]) => type === 80)![1] as Buffer;
  const zeroed = Buffer.from(check);
  zeroed.fill(0, zeroed.indexOf(ma), zeroed.indexOf(ma) + 16);
  assert.deepEqual(createHmac('md5', SECRET).update(zeroed).digest(), ma);
});

test('IPv6 transport, IPv6 NAS, Framed-IPv6-Address; no Event-Timestamp means arrival less Acct-Delay-Time', async () => {
  const s = await server({ host: '::1', clients: [{ address: '::1', secret: SECRET }] });
  const n = await nas('udp6');
  const before = Date.now();
  await n.send(
    request(40, [
      ['Acct-Status-Type', 'Interim-Update'],
      ['User-Name', 'dave'],
      ['Acct-Session-Id', 'v6-0001'],
      [95, Buffer.from(ipv6Bytes('2001:db8::1'))],
      [168, Buffer.from(ipv6Bytes('2001:db8:300::5'))],
      ['Acct-Session-Time', 60],
      ['Acct-Delay-Time', 10],
    ]),
    s.port,
  );
  await until('the answer', () => n.replies.length === 1);
  const [event] = s.received[0]!.records as LeaseEvent[];
  assert.equal(event!.session, '2001:db8::1/v6-0001/2001:db8:300::5');
  assert.equal(event!.evidence, 'radius ::1 id 40');
  assert.ok(
    event!.at >= Math.floor(before / 1000) * 1000 - 10_000 && event!.at <= Date.now() - 9_000,
    String(event!.at),
  );
  assert.equal(event!.startedAt, event!.at - 60_000);
});

test('an Accounting-On resets the NAS; records that say nothing about leases are answered without a hand-over', async () => {
  const s = await server();
  const n = await nas();
  await n.send(
    request(50, [
      ['Acct-Status-Type', 'Accounting-On'],
      ['NAS-IP-Address', '192.0.2.1'],
      ['Event-Timestamp', new Date(T * 1000)],
    ]),
    s.port,
  );
  await n.send(request(51, [['Acct-Status-Type', 'Tunnel-Start'], ...start.slice(1)]), s.port);
  await until('both answers', () => n.replies.length === 2);
  assert.deepEqual(
    s.received.map((r) => r.records),
    [[{ action: 'reset', nas: '192.0.2.1', at: T * 1000, evidence: 'radius 127.0.0.1 id 50' }]],
  );
});

test('a record that cannot be read is handed over as a dead letter (and answered: retrying would not fix it)', async () => {
  const s = await server();
  const n = await nas();
  await n.send(
    request(
      60,
      start.filter(([name]) => name !== 'Acct-Session-Id'),
    ),
    s.port,
  );
  await until('the answer', () => n.replies.length === 1);
  const [record] = s.received[0]!.records;
  assert.equal(record!.action, 'rejected');
  assert.match(
    record!.action === 'rejected' ? record!.raw : '',
    /^Acct-Status-Type = Start\nUser-Name = alice@isp.example\n/,
  );
});

test(
  'real radclient (freeradius-utils) as the NAS',
  { skip: missingProgram(RADCLIENT, 'freeradius-utils') },
  async () => {
    const s = await server();
    const output = await radclientSend(s.port, SECRET, {
      'Acct-Status-Type': 'Stop',
      'User-Name': 'alice@isp.example',
      'Acct-Session-Id': '4d2a0001',
      'NAS-IP-Address': '192.0.2.1',
      'Framed-IP-Address': '198.51.100.7',
      'Framed-IPv6-Prefix': ['2001:db8:200:1::/64', '2001:db8:200:2::/64'],
      'Delegated-IPv6-Prefix': '2001:db8:100::/56',
      'Acct-Session-Time': '600',
      'Acct-Terminate-Cause': 'User-Request',
      'Event-Timestamp': String(T),
    });
    assert.match(output, /Received Accounting-Response/);
    const events = s.received[0]!.records as LeaseEvent[];
    assert.deepEqual(
      events.map((e) => [e.address, e.action, e.at, e.startedAt]),
      [
        ['198.51.100.7', 'stop', T * 1000, (T - 600) * 1000],
        ['2001:db8:200:1::/64', 'stop', T * 1000, (T - 600) * 1000],
        ['2001:db8:200:2::/64', 'stop', T * 1000, (T - 600) * 1000],
        ['2001:db8:100::/56', 'stop', T * 1000, (T - 600) * 1000],
      ],
    );
    assert.equal(events[0]!.detail!['Acct-Terminate-Cause'], 'User-Request');
    await assert.rejects(
      radclientSend(s.port, 'wrong', { 'Acct-Status-Type': 'Start', 'Acct-Session-Id': 'x' }, { timeoutSeconds: 1 }),
      /got no Accounting-Response/,
    );
  },
);

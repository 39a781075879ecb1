import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { missingProgram } from '../../../test/support/components.js';
import { configSchema } from '../../config/schema.js';
import type { PolicySnapshot } from '../snapshot.js';
import { startRpzServer, type RpzServer, type RpzServerOptions } from './server.js';
import { readTsig, sign, TSIG_ERROR, TsigResponseVerifier, type TsigKey } from './tsig.js';
import { renderZone, type RpzZone } from './zone.js';

// The transfer server against BIND's dig (SOA, AXFR, IXFR, TSIG) and against a fake secondary that
// receives its NOTIFYs. Malformed input and big zones are in server-fuzz.test.ts.

const run = promisify(execFile);
const DIG = '/usr/bin/dig';
const skipDig = missingProgram(DIG, 'bind9-dnsutils');
const enforce = configSchema.parse({}).enforce;
const key: TsigKey = {
  name: 'mizugiwa-xfr.',
  algorithm: 'hmac-sha256',
  secret: Buffer.alloc(32, 0x2a).toString('base64'),
};

function snapshot(domains: string[]): PolicySnapshot {
  return {
    point: 'rpz',
    entries: [...domains]
      .sort()
      .map((value) => ({ type: 'domain', value, action: 'block', categories: ['c2'], sources: ['test'] })),
    passthru: [],
    restrictedClients: [],
  };
}

const zoneOf = (domains: string[], serial: number): RpzZone => renderZone(snapshot(domains), enforce, serial);

type Started = { server: RpzServer; port: number; logs: Record<string, unknown>[] };

const servers: RpzServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function start(
  rpz: Partial<RpzServerOptions['config']> = {},
  options: Partial<RpzServerOptions> = {},
): Promise<Started> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const server = await startRpzServer({
    config: { ...enforce.rpz, listen: '127.0.0.1:0', ...rpz },
    logger: pino({ level: 'info' }, sink),
    ...options,
  });
  servers.push(server);
  return { server, port: server.address().tcp, logs };
}

async function dig(port: number, ...args: string[]): Promise<string> {
  const out = await run(DIG, ['@127.0.0.1', '-p', String(port), '+tries=1', '+timeout=5', ...args], {
    maxBuffer: 1 << 28,
  }).catch((err: { stdout: string; stderr: string }) => err);
  return out.stdout + out.stderr;
}

/** The records in dig's output as `name type data` (TTL and class dropped), in order. */
function records(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith(';'))
    .map((line) => line.split(/\s+/))
    .filter((f) => f[2] === 'IN')
    .map((f) => `${f[0]} ${f[3]} ${f.slice(4).join(' ')}`);
}

const soaLine = (serial: number) => `rpz.mizugiwa. SOA localhost. hostmaster.localhost. ${serial} 3600 600 604800 60`;
const lines = (zone: RpzZone) => zone.records.map((r) => `${r.name} ${r.type} ${r.data}`);

describe('RPZ transfer server with dig', { skip: skipDig }, () => {
  test('answers SOA over UDP and TCP, authoritatively', async () => {
    const { port } = await start({}, { zone: zoneOf(['evil.example'], 7) });
    for (const transport of ['+notcp', '+tcp']) {
      const out = await dig(port, transport, 'rpz.mizugiwa.', 'SOA');
      assert.match(out, /status: NOERROR/);
      assert.match(out, /flags: qr aa/);
      assert.deepEqual(records(out), [soaLine(7)]);
    }
  });

  test('AXFR carries the zone: SOA, NS, every record, SOA; counted and logged', async () => {
    const zone = zoneOf(['evil.example', 'bad.example', 'phish.example'], 3);
    const { server, port, logs } = await start({}, { zone });
    const out = await dig(port, 'rpz.mizugiwa.', 'AXFR');
    assert.deepEqual(records(out), [soaLine(3), 'rpz.mizugiwa. NS localhost.', ...lines(zone), soaLine(3)]);
    assert.equal(server.stats().transfers.axfr, 1);
    const line = logs.find((l) => l.msg === 'rpz transfer');
    assert.equal(line?.transfer, 'axfr');
    assert.equal(line?.client, '127.0.0.1');
    assert.equal(line?.records, zone.records.length);
  });

  test('IXFR sends the condensed deltas (RFC 1995), a single SOA when current, the whole zone when out of reach', async () => {
    // Enough unchanged names that the deltas are smaller than the zone (else the whole zone is sent).
    const filler = ['f1.example', 'f2.example', 'f3.example'];
    const v1 = zoneOf([...filler, 'a.example', 'b.example'], 1);
    const v2 = zoneOf([...filler, 'a.example', 'b.example', 'c.example'], 2);
    const v3 = zoneOf([...filler, 'b.example', 'c.example'], 3);
    const { server, port } = await start({}, { zone: v1 });
    await server.setZone(v2);
    await server.setZone(v3);
    const c = (owner: string) =>
      lines(v2).filter((l) => l.startsWith(`${owner}.rpz`) || l.startsWith(`*.${owner}.rpz`));
    const out = await dig(port, 'rpz.mizugiwa.', 'IXFR=1');
    assert.deepEqual(records(out), [
      soaLine(3),
      soaLine(1),
      soaLine(2),
      ...c('c.example'),
      soaLine(2),
      ...c('a.example'),
      soaLine(3),
      soaLine(3),
    ]);
    assert.equal(server.stats().transfers.ixfr, 1);
    assert.deepEqual(records(await dig(port, 'rpz.mizugiwa.', 'IXFR=3')), [soaLine(3)]);
    assert.deepEqual(
      records(await dig(port, 'rpz.mizugiwa.', 'IXFR=4')),
      [soaLine(3)],
      'a client ahead is told the current SOA',
    );
    const full = records(await dig(port, 'rpz.mizugiwa.', 'IXFR=4294967000'));
    assert.deepEqual(full, [soaLine(3), 'rpz.mizugiwa. NS localhost.', ...lines(v3), soaLine(3)]);
    assert.equal(server.stats().transfers.ixfrFull, 1);
    assert.deepEqual(records(await dig(port, '+notcp', 'rpz.mizugiwa.', 'IXFR=1')), [soaLine(3)], 'UDP: SOA only');
  });

  test('journal_versions bounds how far back IXFR reaches', async () => {
    const { server, port } = await start({ journal_versions: 1 }, { zone: zoneOf(['a.example'], 1) });
    await server.setZone(zoneOf(['a.example', 'b.example', 'c.example'], 2));
    await server.setZone(zoneOf(['a.example', 'b.example', 'c.example', 'd.example'], 3));
    assert.equal(server.stats().journal, 1);
    await dig(port, 'rpz.mizugiwa.', 'IXFR=1');
    assert.deepEqual(server.stats().transfers, { axfr: 0, ixfr: 0, ixfrFull: 1, aborted: 0 });
    await dig(port, 'rpz.mizugiwa.', 'IXFR=2');
    assert.equal(server.stats().transfers.ixfr, 1);
  });

  test('refuses other zones, other query types, and clients outside allow_transfer', async () => {
    const { port } = await start({}, { zone: zoneOf(['evil.example'], 1) });
    assert.match(await dig(port, 'example.com.', 'SOA'), /status: REFUSED/);
    assert.match(await dig(port, 'evil.example.rpz.mizugiwa.', 'A'), /status: REFUSED/);
    assert.match(await dig(port, 'rpz.mizugiwa.', 'A'), /status: REFUSED/);
    assert.match(await dig(port, '-c', 'CH', 'rpz.mizugiwa.', 'SOA'), /status: REFUSED/);
    const closed = await start(
      { allow_transfer: ['192.0.2.0/24', '2001:db8::/32'] },
      { zone: zoneOf(['evil.example'], 1) },
    );
    assert.match(await dig(closed.port, 'rpz.mizugiwa.', 'AXFR'), /Transfer failed/);
    assert.match(await dig(closed.port, 'rpz.mizugiwa.', 'SOA'), /status: REFUSED/);
    assert.equal(closed.server.stats().transfers.axfr, 0);
    assert.ok(closed.logs.some((l) => l.msg === 'rpz request refused' && String(l.reason).includes('allow_transfer')));
  });

  test('IPv6: listens on [::1], matches IPv6 prefixes in allow_transfer', async () => {
    const zone = zoneOf(['evil.example'], 1);
    const soaAt = async (port: number) =>
      (await run(DIG, ['@::1', '-p', String(port), '+tries=1', '+timeout=5', 'rpz.mizugiwa.', 'SOA'])).stdout;
    const open = await start({ listen: '[::1]:0', allow_transfer: ['::1/128'] }, { zone });
    assert.match(await soaAt(open.port), /status: NOERROR/);
    const shut = await start({ listen: '[::1]:0', allow_transfer: ['127.0.0.0/8', '::2'] }, { zone });
    assert.match(await soaAt(shut.port), /status: REFUSED/);
  });

  test('close() is idempotent', async () => {
    const { server } = await start({}, { zone: zoneOf(['evil.example'], 1) });
    await Promise.all([server.close(), server.close()]);
    await server.close();
  });

  test('SERVFAIL until a zone is loaded', async () => {
    const { server, port } = await start();
    assert.match(await dig(port, 'rpz.mizugiwa.', 'SOA'), /status: SERVFAIL/);
    await server.setZone(zoneOf(['evil.example'], 1));
    assert.match(await dig(port, 'rpz.mizugiwa.', 'SOA'), /status: NOERROR/);
  });

  test('answers EDNS queries with OPT, and an unknown EDNS version with BADVERS', async () => {
    const { port } = await start({}, { zone: zoneOf(['evil.example'], 1) });
    assert.match(await dig(port, '+edns=0', 'rpz.mizugiwa.', 'SOA'), /EDNS: version: 0/);
    assert.match(await dig(port, '+edns=1', '+noednsneg', 'rpz.mizugiwa.', 'SOA'), /status: BADVERS/);
  });
});

describe('RPZ transfer server with TSIG', { skip: skipDig }, () => {
  const y = (k: TsigKey) => ['-y', `hmac-sha256:${k.name.slice(0, -1)}:${k.secret}`];
  const many = Array.from({ length: 3000 }, (_, i) => `host${i}.example`);

  test('signed SOA, AXFR and IXFR verify in dig, the AXFR over many signed messages', async () => {
    const { server, port } = await start({ tsig: key }, { zone: zoneOf(many, 1) });
    const soa = await dig(port, ...y(key), 'rpz.mizugiwa.', 'SOA');
    assert.match(soa, /status: NOERROR/);
    assert.match(soa, /TSIG\s+hmac-sha256\. \d+ 300 32 \S+ \d+ NOERROR 0/);
    const axfr = await dig(port, ...y(key), 'rpz.mizugiwa.', 'AXFR');
    const size = /XFR size: (\d+) records \(messages (\d+),/.exec(axfr);
    assert.ok(size, axfr.slice(-500));
    assert.equal(Number(size[1]), many.length * 4 + 3);
    assert.ok(Number(size[2]) > 5, `${size[2]} messages`);
    await server.setZone(zoneOf([...many, 'new.example'], 2));
    const ixfr = await dig(port, ...y(key), 'rpz.mizugiwa.', 'IXFR=1');
    for (const out of [soa, axfr, ixfr]) assert.doesNotMatch(out, /Couldn't verify|could not be validated|failed/i);
    assert.deepEqual(server.stats().transfers, { axfr: 1, ixfr: 1, ixfrFull: 0, aborted: 0 });
  });

  test('a wrong secret is NOTAUTH/BADSIG, an unknown key BADKEY, no signature REFUSED; each is logged', async () => {
    const { server, port, logs } = await start({ tsig: key }, { zone: zoneOf(['evil.example'], 1) });
    const other = { ...key, secret: Buffer.alloc(32, 1).toString('base64') };
    const badsig = await dig(port, ...y(other), 'rpz.mizugiwa.', 'SOA');
    assert.match(badsig, /status: NOTAUTH/);
    assert.match(badsig, /TSIG\s+hmac-sha256\. \d+ 300 0 +\d+ BADSIG/);
    assert.match(await dig(port, ...y(other), 'rpz.mizugiwa.', 'AXFR'), /Transfer failed|NOTAUTH|BADSIG/);
    const badkey = await dig(port, ...y({ ...key, name: 'stranger.' }), 'rpz.mizugiwa.', 'SOA');
    assert.match(badkey, /status: NOTAUTH/);
    assert.match(badkey, /BADKEY/);
    assert.match(await dig(port, 'rpz.mizugiwa.', 'SOA'), /status: REFUSED/);
    assert.match(await dig(port, 'rpz.mizugiwa.', 'AXFR'), /Transfer failed/);
    assert.equal(server.stats().transfers.axfr, 0);
    assert.equal(server.stats().notauth, 3);
    const failures = logs.filter((l) => l.msg === 'rpz request failed TSIG verification');
    assert.deepEqual(
      failures.map((l) => [String(l.reason).split(':')[0], l.query]),
      [
        ['TSIG BADSIG', 'rpz.mizugiwa. SOA'],
        ['TSIG BADSIG', 'rpz.mizugiwa. AXFR'],
        ['TSIG BADKEY', 'rpz.mizugiwa. SOA'],
      ],
    );
  });

  test('with a key set, only clients listed in unsigned_transfer may transfer unsigned', async () => {
    const allowed = await start(
      { tsig: key, unsigned_transfer: ['127.0.0.1/32'] },
      { zone: zoneOf(['evil.example'], 1) },
    );
    assert.match(await dig(allowed.port, 'rpz.mizugiwa.', 'AXFR'), /evil\.example\.rpz\.mizugiwa\./);
    assert.match(await dig(allowed.port, ...y(key), 'rpz.mizugiwa.', 'SOA'), /status: NOERROR/);
    const other = await start(
      { tsig: key, unsigned_transfer: ['127.0.0.2/32'] },
      { zone: zoneOf(['evil.example'], 1) },
    );
    assert.match(await dig(other.port, 'rpz.mizugiwa.', 'SOA'), /status: REFUSED/);
  });

  test('a clock outside the fudge is NOTAUTH/BADTIME, signed, with the server time in other data', async () => {
    const skew = 3600;
    const { port } = await start(
      { tsig: key },
      { zone: zoneOf(['evil.example'], 1), clock: () => Math.floor(Date.now() / 1000) + skew },
    );
    const out = await dig(port, ...y(key), 'rpz.mizugiwa.', 'SOA');
    assert.match(out, /status: NOTAUTH/);
    assert.match(out, /BADTIME/);
    // Our own client: the reply's MAC verifies against the request, and other data is the server clock.
    const request = sign(soaQuery(), key, { time: Math.floor(Date.now() / 1000) });
    const reply = await udpExchange(port, request.message);
    const tsig = readTsig(reply)!;
    assert.equal(tsig.error, TSIG_ERROR.BADTIME);
    assert.ok(Math.abs(tsig.other.readUIntBE(0, 6) - (Date.now() / 1000 + skew)) < 5);
    assert.deepEqual(new TsigResponseVerifier(key, request.mac, () => tsig.timeSigned).verify(reply), {
      ok: false,
      reason: 'BADTIME',
    });
  });
});

function soaQuery(id = 77): Buffer {
  const q = Buffer.from([
    0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 114, 112, 122, 8, 109, 105, 122, 117, 103, 105, 119, 97, 0, 0, 6, 0, 1,
  ]);
  q.writeUInt16BE(id, 0);
  return q;
}

async function udpExchange(port: number, message: Buffer, timeoutMs = 2000): Promise<Buffer> {
  const socket = createSocket('udp4');
  try {
    socket.send(message, port, '127.0.0.1');
    const [reply] = (await Promise.race([
      once(socket, 'message'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no UDP answer')), timeoutMs)),
    ])) as [Buffer];
    return reply;
  } finally {
    socket.close();
  }
}

describe('setZone', () => {
  test('refuses a serial that is not newer, another origin, or an unencodable record, keeping the live zone', async () => {
    const { server } = await start({}, { zone: zoneOf(['a.example'], 5) });
    await assert.rejects(server.setZone(zoneOf(['b.example'], 5)), /not newer/);
    await assert.rejects(server.setZone(zoneOf(['b.example'], 4)), /not newer/);
    await assert.rejects(server.setZone({ ...zoneOf(['b.example'], 6), origin: 'other.zone.' }), /not the served zone/);
    const long = zoneOf([`${'x'.repeat(64)}.example`], 6);
    await assert.rejects(server.setZone(long), /1 to 63 bytes/);
    assert.equal(server.stats().serial, 5);
    assert.equal(server.stats().journal, 0);
    await server.setZone(zoneOf(['b.example'], 6));
    assert.equal(server.stats().serial, 6);
  });

  test('serials wrap (RFC 1982) and concurrent calls apply in call order', async () => {
    const { server } = await start({}, { zone: zoneOf(['a.example'], 2 ** 32 - 2) });
    await Promise.all([server.setZone(zoneOf(['b.example'], 2 ** 32 - 1)), server.setZone(zoneOf(['c.example'], 0))]);
    assert.equal(server.stats().serial, 0);
    assert.equal(server.stats().journal, 2);
  });
});

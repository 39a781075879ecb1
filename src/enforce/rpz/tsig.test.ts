import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import { missingProgram } from '../../../test/support/components.js';
import {
  appendUnsignedTsig,
  readTsig,
  sign,
  timeOther,
  TSIG_ERROR,
  TsigResponseVerifier,
  TsigStreamSigner,
  verifyRequest,
  type TsigKey,
} from './tsig.js';

// Vectors from a real implementation: requests signed by BIND's dig (captured on a loopback socket),
// and our signatures on single responses and multi-message transfers checked by dig, which says
// "Couldn't verify signature" / "Some TSIG could not be validated" when one is wrong.

const run = promisify(execFile);
const DIG = '/usr/bin/dig';
const skipDig = missingProgram(DIG, 'bind9-dnsutils');
const key: TsigKey = { name: 'xfr-key.', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 0x5a).toString('base64') };
const digKey = (k: TsigKey, name = k.name.slice(0, -1)) => `hmac-sha256:${name}:${k.secret}`;
const now = () => Math.floor(Date.now() / 1000);

/** Runs dig against a loopback UDP socket and returns the first query it sends. */
async function digRequest(args: string[]): Promise<Buffer> {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const port = (socket.address() as AddressInfo).port;
  const received = once(socket, 'message');
  const dig = execFile(DIG, ['@127.0.0.1', '-p', String(port), '+tries=1', '+timeout=5', ...args]);
  const exited = once(dig, 'exit');
  const [message] = (await received) as [Buffer];
  socket.close();
  dig.kill(); // it would wait for an answer that never comes
  await exited;
  return message;
}

function query(name: string, type: 'SOA' | 'A', id = 4242): Buffer {
  return dnsPacket.encode({ type: 'query', id, questions: [{ name, type, class: 'IN' }] });
}

function answerTo(request: Buffer, records = 1): Buffer {
  const q = dnsPacket.decode(request);
  return dnsPacket.encode({
    type: 'response',
    id: q.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    questions: q.questions,
    answers: Array.from({ length: records }, (_, i) => ({
      name: `r${i}.zone.test`,
      type: 'A' as const,
      ttl: 60,
      data: '192.0.2.1',
    })),
  });
}

/** Makes the request's MAC `bytes` long, as a client with a truncating policy would send it. */
function truncateMac(signed: Buffer, bytes: number): Buffer {
  const tsig = readTsig(signed)!;
  const macStart = tsig.mac.byteOffset - signed.byteOffset;
  const out = Buffer.concat([signed.subarray(0, macStart + bytes), signed.subarray(macStart + tsig.mac.length)]);
  out.writeUInt16BE(bytes, macStart - 2);
  const rdlengthAt = tsig.start + tsig.keyWire.length + 8;
  out.writeUInt16BE(out.readUInt16BE(rdlengthAt) - (tsig.mac.length - bytes), rdlengthAt);
  return out;
}

describe('TSIG requests signed by dig', { skip: skipDig }, () => {
  test('a dig -y request verifies; any changed byte is BADSIG', async () => {
    const request = await digRequest(['-y', digKey(key), 'rpz.mizugiwa.', 'SOA']);
    const check = verifyRequest(request, key, now());
    assert.equal(check.status, 'valid');
    for (const at of [3, 5, 14, request.length - 40]) {
      const changed = Buffer.from(request);
      changed[at]! ^= 0x20;
      const result = verifyRequest(changed, key, now());
      assert.ok(result.status === 'invalid' || result.status === 'malformed', `byte ${at}`);
      if (result.status === 'invalid') assert.equal(result.error, TSIG_ERROR.BADSIG, `byte ${at}`);
    }
  });

  test('the ID a forwarder rewrote is undone by the original ID', async () => {
    const request = await digRequest(['-y', digKey(key), 'rpz.mizugiwa.', 'SOA']);
    const forwarded = Buffer.from(request);
    forwarded.writeUInt16BE((request.readUInt16BE(0) + 1) & 0xffff, 0);
    assert.equal(verifyRequest(forwarded, key, now()).status, 'valid');
  });

  test('a key name in another case verifies (names are compared and digested in canonical form)', async () => {
    const request = await digRequest(['-y', digKey(key, 'XFR-Key'), 'rpz.mizugiwa.', 'SOA']);
    assert.equal(verifyRequest(request, key, now()).status, 'valid');
  });

  test('another secret is BADSIG, another key name or no key configured is BADKEY', async () => {
    const other = { ...key, secret: Buffer.alloc(32, 1).toString('base64') };
    const wrongSecret = await digRequest(['-y', digKey(other), 'rpz.mizugiwa.', 'SOA']);
    assert.deepEqual(pick(verifyRequest(wrongSecret, key, now())), { status: 'invalid', error: 16, signed: false });
    const wrongName = await digRequest(['-y', digKey(key, 'someone-else'), 'rpz.mizugiwa.', 'SOA']);
    assert.deepEqual(pick(verifyRequest(wrongName, key, now())), { status: 'invalid', error: 17, signed: false });
    assert.deepEqual(pick(verifyRequest(wrongName, undefined, now())), { status: 'invalid', error: 17, signed: false });
  });

  test('outside the fudge either way is BADTIME, answered signed', async () => {
    const request = await digRequest(['-y', digKey(key), 'rpz.mizugiwa.', 'SOA']);
    const signedAt = readTsig(request)!.timeSigned;
    assert.ok(Math.abs(signedAt - now()) < 5, 'dig signs with the current time');
    assert.deepEqual(pick(verifyRequest(request, key, signedAt + 301)), { status: 'invalid', error: 18, signed: true });
    assert.deepEqual(pick(verifyRequest(request, key, signedAt - 301)), { status: 'invalid', error: 18, signed: true });
    assert.equal(verifyRequest(request, key, signedAt + 300).status, 'valid');
    assert.equal(verifyRequest(request, key, signedAt - 300).status, 'valid');
  });

  test('an unsigned query is unsigned', async () => {
    const request = await digRequest(['rpz.mizugiwa.', 'SOA']);
    assert.deepEqual(verifyRequest(request, key, now()), { status: 'unsigned' });
  });
});

describe('TSIG responses checked by dig', { skip: skipDig }, () => {
  async function serveUdp(reply: (request: Buffer) => Buffer): Promise<string> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    socket.on('message', (message, remote) => socket.send(reply(message), remote.port, remote.address));
    const port = (socket.address() as AddressInfo).port;
    try {
      const { stdout, stderr } = await run(DIG, [
        '@127.0.0.1',
        '-p',
        String(port),
        '+tries=1',
        '+timeout=2',
        '-y',
        digKey(key),
        'x.zone.test',
        'A',
      ]);
      return stdout + stderr;
    } finally {
      socket.close();
    }
  }

  const signedAnswer = (request: Buffer) => {
    const check = verifyRequest(request, key, now());
    assert.equal(check.status, 'valid');
    return sign(answerTo(request), key, {
      time: now(),
      requestMac: check.status === 'valid' ? check.tsig.mac : undefined,
    });
  };

  test('a signed response verifies in dig; a changed MAC does not', async () => {
    const good = await serveUdp((request) => signedAnswer(request).message);
    assert.match(good, /status: NOERROR/);
    assert.doesNotMatch(good, /Couldn't verify|could not be validated/);
    const bad = await serveUdp((request) => {
      const out = signedAnswer(request).message;
      out[out.length - 12]! ^= 1; // inside the MAC
      return out;
    });
    assert.match(bad, /Couldn't verify signature|could not be validated/);
  });

  test('a multi-message transfer signed message by message (RFC 8945 §5.3.1) verifies in dig', async () => {
    const transfer = async (tamper: number | undefined) => {
      const server = createServer((socket) => {
        socket.once('data', (frame: Buffer) => {
          const request = frame.subarray(2);
          const check = verifyRequest(request, key, now());
          assert.equal(check.status, 'valid');
          const signer = new TsigStreamSigner(key, check.status === 'valid' ? check.tsig.mac : Buffer.alloc(0), now);
          const q = dnsPacket.decode(request);
          const soa = { name: 'zone.test', type: 'SOA' as const, ttl: 60, data: soaData };
          const parts = [[soa, ...records(0, 50)], records(50, 100), [...records(100, 150), soa]];
          parts.forEach((answers, i) => {
            const unsigned = dnsPacket.encode({
              type: 'response',
              id: q.id,
              flags: dnsPacket.AUTHORITATIVE_ANSWER,
              questions: q.questions,
              answers,
            });
            const signed = signer.sign(unsigned);
            if (i === tamper) signed[signed.length - 12]! ^= 1;
            const frameOut = Buffer.alloc(2);
            frameOut.writeUInt16BE(signed.length);
            socket.write(Buffer.concat([frameOut, signed]));
          });
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const port = (server.address() as AddressInfo).port;
      try {
        const { stdout, stderr } = await run(DIG, [
          '@127.0.0.1',
          '-p',
          String(port),
          '+tries=1',
          '+timeout=3',
          '-y',
          digKey(key),
          'zone.test',
          'AXFR',
        ]).catch((err: { stdout: string; stderr: string }) => err);
        return stdout + stderr;
      } finally {
        server.close();
      }
    };
    const good = await transfer(undefined);
    assert.match(good, /XFR size: 152 records \(messages 3,/);
    assert.doesNotMatch(good, /Couldn't verify|could not be validated|failed/i);
    // The control: dig does check every message, so a wrong MAC in the middle one is caught.
    assert.match(await transfer(1), /Couldn't verify|could not be validated|tsig verify failure/i);
  });
});

const soaData = {
  mname: 'ns.zone.test',
  rname: 'h.zone.test',
  serial: 1,
  refresh: 3600,
  retry: 600,
  expire: 86400,
  minimum: 60,
};
const records = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({
    name: `r${from + i}.zone.test`,
    type: 'A' as const,
    ttl: 60,
    data: '192.0.2.1',
  }));

function pick(check: ReturnType<typeof verifyRequest>) {
  return check.status === 'invalid'
    ? { status: check.status, error: check.error, signed: check.signed }
    : { status: check.status };
}

describe('TSIG round trips', () => {
  test('a request we sign verifies, at the fudge edge too', () => {
    const signed = sign(query('rpz.mizugiwa.', 'SOA'), key, { time: 1_700_000_000 });
    assert.equal(verifyRequest(signed.message, key, 1_700_000_000).status, 'valid');
    assert.equal(verifyRequest(signed.message, key, 1_700_000_300).status, 'valid');
    assert.equal(pick(verifyRequest(signed.message, key, 1_700_000_301)).status, 'invalid');
  });

  test('a truncated MAC is BADTRUNC (local policy wants all 32 bytes); below 16 bytes is malformed', () => {
    const signed = sign(query('rpz.mizugiwa.', 'SOA'), key, { time: now() }).message;
    assert.deepEqual(pick(verifyRequest(truncateMac(signed, 20), key, now())), {
      status: 'invalid',
      error: 22,
      signed: true,
    });
    assert.equal(verifyRequest(truncateMac(signed, 8), key, now()).status, 'malformed');
  });

  test('a TSIG that is not the last record is malformed', () => {
    const signed = sign(query('rpz.mizugiwa.', 'SOA'), key, { time: now() }).message;
    const opt = Buffer.from([0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0]);
    const after = Buffer.concat([signed, opt]);
    after.writeUInt16BE(after.readUInt16BE(10) + 1, 10);
    assert.equal(verifyRequest(after, key, now()).status, 'malformed');
  });

  test('the response verifier follows a stream, allows unsigned messages between signed ones, and catches tampering', () => {
    const request = sign(query('rpz.mizugiwa.', 'A'), key, { time: now() });
    const signer = new TsigStreamSigner(key, request.mac, now);
    const messages = [1, 2, 3, 4].map((n) => answerTo(query('rpz.mizugiwa.', 'A'), n));
    const first = signer.sign(messages[0]!);
    const verifier = new TsigResponseVerifier(key, request.mac, now);
    assert.deepEqual(verifier.verify(first), { ok: true });
    // A signer that skips message 2 signs 3 over prior MAC + message 2 + message 3 (§5.3.1).
    const skipped = messages[1]!;
    const third = signOver(readTsig(first)!.mac, [skipped], messages[2]!);
    assert.deepEqual(verifier.verify(skipped), { ok: true });
    assert.deepEqual(verifier.verify(third), { ok: true });
    assert.deepEqual(verifier.end(), { ok: true });

    const tampered = new TsigResponseVerifier(key, request.mac, now);
    const changed = Buffer.from(first);
    changed[20]! ^= 1;
    assert.equal(tampered.verify(changed).ok, false);
    assert.equal(
      new TsigResponseVerifier(key, request.mac, now).verify(messages[0]!).ok,
      false,
      'first must be signed',
    );
  });

  test('error responses: BADSIG carries no MAC; BADTIME is signed with the request time and the server clock', () => {
    const request = sign(query('rpz.mizugiwa.', 'SOA'), key, { time: 1000 });
    const tsig = readTsig(request.message)!;
    const unsignedReply = appendUnsignedTsig(answerTo(request.message, 0), tsig, TSIG_ERROR.BADSIG, 2000);
    const replyTsig = readTsig(unsignedReply)!;
    assert.equal(replyTsig.mac.length, 0);
    assert.equal(replyTsig.error, TSIG_ERROR.BADSIG);
    assert.equal(replyTsig.keyName, key.name);
    assert.deepEqual(new TsigResponseVerifier(key, request.mac, () => 2000).verify(unsignedReply), {
      ok: false,
      reason: 'BADSIG',
    });

    const badtime = sign(answerTo(request.message, 0), key, {
      time: 1000,
      error: TSIG_ERROR.BADTIME,
      other: timeOther(2000),
      requestMac: request.mac,
    }).message;
    const t = readTsig(badtime)!;
    assert.equal(t.timeSigned, 1000);
    assert.equal(t.other.readUIntBE(0, 6), 2000);
    assert.deepEqual(new TsigResponseVerifier(key, request.mac, () => 1000).verify(badtime), {
      ok: false,
      reason: 'BADTIME',
    });
  });
});

/** A stream message signed over the prior MAC, skipped unsigned messages and itself, with timers only. */
function signOver(prior: Buffer, skipped: Buffer[], message: Buffer): Buffer {
  // TsigStreamSigner signs every message; build the §5.3.1 digest for a skipping signer by hand.
  const hmac = createHmac('sha256', Buffer.from(key.secret, 'base64'));
  const size = Buffer.alloc(2);
  size.writeUInt16BE(prior.length);
  hmac.update(size);
  hmac.update(prior);
  for (const m of skipped) hmac.update(m);
  hmac.update(message);
  const time = now();
  const timers = Buffer.alloc(8);
  timers.writeUIntBE(time, 0, 6);
  timers.writeUInt16BE(300, 6);
  hmac.update(timers);
  const mac: Buffer = hmac.digest();
  // Reuse sign() for the record layout, then put this MAC in place of the one it computed.
  const laidOut = sign(message, key, { time });
  const t = readTsig(laidOut.message)!;
  mac.copy(laidOut.message, t.mac.byteOffset - laidOut.message.byteOffset);
  return laidOut.message;
}

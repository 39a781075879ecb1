import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { missingProgram } from '../../../test/support/components.js';
import { localTimeIn } from '../local-time.js';
import { syslogPrefix } from '../syslog-prefix.js';
import { startSyslogServer, type SyslogServer } from './server.js';

// util-linux logger as a real sender, over UDP and TCP, in RFC 3164 and RFC 5424, both TCP framings. logger
// runs in Asia/Tokyo and the server is told so: its RFC 3164 stamps (local time, no zone, no year) must come
// out as the right instant.

const run = promisify(execFile);
const LOGGER = '/usr/bin/logger';
const skip = missingProgram(LOGGER, 'bsdutils');
const ZONE = 'Asia/Tokyo';
const localTime = localTimeIn(ZONE);

describe('util-linux logger as the sender', { skip }, () => {
  let server: SyslogServer;
  const lines: string[] = [];
  const errors: string[] = [];

  before(async () => {
    server = await startSyslogServer({
      udp: { host: '127.0.0.1', port: 0 },
      tcp: { host: '127.0.0.1', port: 0 },
      localTime,
      onLines: (batch) => {
        lines.push(...batch);
        return true;
      },
      onError: (r) => errors.push(`${r.position}: ${r.reason}`),
      batchMs: 5,
    });
  });
  after(() => server.close());

  /** Runs logger against the server and returns the parsed line whose message contains `marker`. */
  async function send(transport: 'udp' | 'tcp', args: string[], marker: string, input?: string) {
    const port = transport === 'udp' ? server.addresses.udp!.port : server.addresses.tcp!.port;
    const sent = Date.now();
    const child = run(LOGGER, ['--server', '127.0.0.1', '--port', String(port), `--${transport}`, ...args], {
      env: { ...process.env, TZ: ZONE },
      timeout: 10_000,
    });
    if (input !== undefined) child.child.stdin!.end(input);
    await child;
    const deadline = Date.now() + 5000;
    let line: string | undefined;
    while ((line = lines.find((l) => l.includes(marker))) === undefined) {
      if (Date.now() > deadline) assert.fail(`no line with ${marker}; errors: ${errors.join('; ')}`);
      await sleep(5);
    }
    const p = syslogPrefix(line, { now: Date.now(), localTime });
    assert.ok(p, `syslogPrefix cannot read ${line}`);
    // RFC 3164 stamps have whole seconds only.
    assert.ok(
      p.time >= sent - 1000 && p.time <= Date.now() + 1000,
      `time ${new Date(p.time).toISOString()} in ${line}`,
    );
    return { host: p.host, tag: p.tag, msg: line.slice(p.rest), line };
  }

  const shortHost = hostname().split('.')[0]!;

  test('UDP, RFC 3164, with --tag and --id', async () => {
    const m = await send(
      'udp',
      ['--rfc3164', '--tag', 'named', '--id=4242', 'udp-3164 query: a.example IN A'],
      'udp-3164',
    );
    assert.equal(m.host, shortHost);
    assert.equal(m.tag, 'named');
    assert.match(m.line, / named\[4242\]: /);
    assert.equal(m.msg, 'udp-3164 query: a.example IN A');
  });

  test('TCP, RFC 5424, non-transparent framing', async () => {
    const m = await send('tcp', ['--rfc5424', '--tag', 'named', 'tcp-5424 lame server'], 'tcp-5424');
    assert.equal(m.host, hostname());
    assert.equal(m.tag, 'named');
    assert.equal(m.msg, 'tcp-5424 lame server');
  });

  test('TCP, RFC 5424, octet counting', async () => {
    const m = await send(
      'tcp',
      ['--octet-count', '--rfc5424', '-t', 'postfix/smtpd', '--id=25', 'tcp-octet connect from x'],
      'tcp-octet',
    );
    assert.equal(m.tag, 'postfix/smtpd');
    assert.match(m.line, / postfix\/smtpd\[25\]: tcp-octet connect from x$/);
  });

  test('TCP, RFC 5424 without timeQuality, with structured data that needs escaping and a MSGID', async () => {
    const m = await send(
      'tcp',
      [
        '--rfc5424=notq',
        '--sd-id',
        'x@32473',
        '--sd-param',
        'a="b\\]c\\"d"',
        '--msgid',
        'ID47',
        '-t',
        'app',
        'tcp-notq ok',
      ],
      'tcp-notq',
    );
    assert.equal(m.tag, 'app');
    assert.equal(m.msg, 'tcp-notq ok');
  });

  test('UDP, RFC 5424 without time or host: the receive time and the sender address stand in', async () => {
    const m = await send('udp', ['--rfc5424=notime,nohost', '-t', 'kernel', 'udp-nohost IN=eth0'], 'udp-nohost');
    assert.equal(m.host, '127.0.0.1');
    assert.equal(m.tag, 'kernel');
    assert.equal(m.msg, 'udp-nohost IN=eth0');
  });

  test('TCP, RFC 3164, several lines from stdin, UTF-8', async () => {
    await send('tcp', ['--rfc3164', '-t', 'cron'], 'stdin-two', 'stdin-one 日本語\nstdin-two\n');
    const one = lines.find((l) => l.includes('stdin-one'));
    assert.match(one ?? '', / cron: stdin-one 日本語$/);
  });

  test('nothing logger sent was refused', () => {
    assert.deepEqual(errors, []);
    assert.equal(server.stats.udp.errors + server.stats.tcp.errors, 0);
    assert.equal(server.stats.udp.dropped + server.stats.tcp.dropped, 0);
  });
});

// The Postfix point against a real Postfix: an instance with its own configuration directory, queue
// and log in a temporary directory, smtpd on 127.0.0.1 and a free port, main.cf carrying the lines
// of the point's mizugiwa-main.cf as an operator would paste them, and swaks as the sending server
// (127.0.0.0/8 is all loopback, so --local-interface picks any client address in it).
//
// Postfix runs its daemons as mail_owner (postfix) and needs the postdrop group; both exist once the
// postfix package is installed, so the test creates no users. It writes nothing outside its
// directory: the queue, the data directory and the log (maillog_file, through postlogd) are in it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../bench/lib/free-port.js';
import { configSchema } from '../../src/config/schema.js';
import type { RenderContext } from '../../src/enforce/point.js';
import { POSTFIX_FILES, postfixPoint } from '../../src/enforce/postfix.js';
import type { PolicyEntry, PolicySnapshot } from '../../src/enforce/snapshot.js';
import { missingProgram, requireOrSkip } from '../support/components.js';
import { stopPostfix } from '../support/postfix.js';

const run = promisify(execFile);

const skip =
  missingProgram('/usr/sbin/postfix', 'postfix') ||
  missingProgram('/usr/sbin/postmap', 'postfix') ||
  missingProgram('/usr/bin/swaks', 'swaks') ||
  (userInfo().uid !== 0 && requireOrSkip('postfix -c <dir> start needs root'));

const entry = (type: PolicyEntry['type'], value: string, action: PolicyEntry['action'] = 'block'): PolicyEntry => ({
  type,
  value,
  action,
  categories: ['spam'],
  sources: ['e2e'],
});
const snapshot = (entries: PolicyEntry[]): PolicySnapshot => ({
  point: 'postfix',
  entries,
  passthru: [],
  restrictedClients: [],
});
const REASON = 'listed by Mizugiwa threat intelligence';

async function eventually(what: string, check: () => Promise<string | true>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await check();
    if (result === true) return;
    if (Date.now() > deadline) assert.fail(`${what}: still ${result} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('postfix point against postfix', { skip }, () => {
  const root = mkdtempSync(join(tmpdir(), 'mzg-postfix-e2e-'));
  const etc = join(root, 'etc');
  const maillog = join(root, 'maillog');
  let port = 0;
  let started = false;

  const context = (reload = `postfix -c ${etc} reload`): RenderContext => ({
    config: configSchema.parse({
      enforce: {
        postfix: {
          enabled: true,
          dir: join(root, 'maps'),
          postmap_command: `postmap -c ${etc}`,
          reload_command: reload,
        },
      },
    }),
    dataDir: root,
    version: 1,
    serial: 1,
  });
  const publish = (entries: PolicyEntry[], ctx = context()) =>
    postfixPoint.apply(postfixPoint.render(snapshot(entries), ctx), ctx);

  /** The server's answer to RCPT TO (where client and sender restrictions are applied), as one line. */
  const rcpt = async (client: string, from = 'someone@good.test'): Promise<string> => {
    const args = ['--server', `127.0.0.1:${port}`, '--local-interface', client, '--from', from];
    args.push('--to', 'user@localhost', '--quit-after', 'RCPT', '--timeout', '10', '--suppress-data');
    let output: string;
    try {
      output = (await run('swaks', args, { timeout: 20_000 })).stdout;
    } catch (err) {
      output = (err as { stdout?: string }).stdout ?? String(err); // swaks exits non-zero on a rejection
    }
    const lines = output.split('\n');
    const sent = lines.findIndex((l) => /^ *-> RCPT TO:/.test(l));
    const reply = lines.slice(sent + 1).find((l) => /^ *(<-|<\*\*) /.test(l));
    return sent >= 0 && reply ? reply.replace(/^ *(<-|<\*\*)\s+/, '') : `no RCPT reply in ${JSON.stringify(output)}`;
  };
  const accepted = /^250 2\.1\.5 Ok$/;
  const rejected = (what: string, subject: string) => `554 5.7.1 <${subject}>: ${what} rejected: ${REASON}`;

  before(async () => {
    port = await freePort();
    // smtpd runs as postfix and reads the maps from here.
    chmodSync(root, 0o755);
    for (const d of ['etc', 'queue', 'data', 'maps']) mkdirSync(join(root, d));
    const postfixUser = /^postfix:[^:]*:(\d+):(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'));
    assert.ok(postfixUser, 'the postfix package creates the postfix user');
    chownSync(join(root, 'data'), Number(postfixUser[1]), Number(postfixUser[2]));

    writeFileSync(
      join(etc, 'master.cf'),
      [
        // Only what smtpd needs to answer up to RCPT: no queue manager, no delivery.
        `127.0.0.1:${port} inet n - n - - smtpd`,
        'cleanup unix n - n - 0 cleanup',
        'rewrite unix - - n - - trivial-rewrite',
        'anvil unix - - n - 1 anvil',
        'postlog unix-dgram n - n - 1 postlogd',
        '',
      ].join('\n'),
    );
    const base = [
      'compatibility_level = 3.6',
      `queue_directory = ${root}/queue`,
      `data_directory = ${root}/data`,
      'mail_owner = postfix',
      'myhostname = mx.mizugiwa.test',
      'mydestination = localhost',
      'local_recipient_maps =',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mynetworks = 127.0.0.0/8',
      `maillog_file_prefixes = ${root}`,
      `maillog_file = ${maillog}`,
    ];
    // postmap reads main.cf; the first version is compiled before the lines that name the maps exist.
    writeFileSync(join(etc, 'main.cf'), `${base.join('\n')}\n`);
    await publish(
      [
        entry('ipv4', '127.0.0.2'),
        entry('cidr', '2001:db8::/32'),
        entry('ipv4', '127.0.0.4', 'monitor'),
        entry('email', 'Bad@evil.test'),
        entry('domain', 'spam.test'),
      ],
      context(''),
    );
    const lines = readFileSync(join(root, 'maps', POSTFIX_FILES.mainCf), 'utf8');
    writeFileSync(join(etc, 'main.cf'), `${base.join('\n')}\n${lines}`);
    await run('postfix', ['-c', etc, 'check'], { timeout: 30_000 });
    await run('postfix', ['-c', etc, 'start'], { timeout: 30_000 });
    started = true;
    await eventually('smtpd listening', async () => ((await canConnect(port)) ? true : 'not listening'));
  });

  after(async () => {
    if (started) await stopPostfix(etc, root);
    rmSync(root, { recursive: true, force: true });
  });

  test('a listed client address is rejected with the reason; another is accepted', async () => {
    assert.equal(await rcpt('127.0.0.2'), rejected('Client host', 'unknown[127.0.0.2]'));
    assert.match(await rcpt('127.0.0.3'), accepted);
  });

  test('a listed sender address (in any case) and senders in a listed domain are rejected', async () => {
    assert.equal(await rcpt('127.0.0.3', 'bad@EVIL.test'), rejected('Sender address', 'bad@EVIL.test'));
    assert.equal(await rcpt('127.0.0.3', 'x@spam.test'), rejected('Sender address', 'x@spam.test'));
    assert.equal(await rcpt('127.0.0.3', 'x@mail.spam.test'), rejected('Sender address', 'x@mail.spam.test'));
    assert.match(await rcpt('127.0.0.3', 'good@evil.test'), accepted);
  });

  test('a monitored client is accepted and logged as a warning', async () => {
    assert.match(await rcpt('127.0.0.4'), accepted);
    await eventually('the warning in the mail log', async () => {
      const log = readFileSync(maillog, 'utf8');
      return /warn: RCPT from unknown\[127\.0\.0\.4\]: mizugiwa monitor: listed by Mizugiwa/.test(log) || 'absent';
    });
  });

  test('a new version takes effect on reload', async () => {
    await publish([entry('ipv4', '127.0.0.3'), entry('email', 'other@evil.test')]);
    await eventually('127.0.0.3 rejected', async () => {
      const reply = await rcpt('127.0.0.3');
      return reply === rejected('Client host', 'unknown[127.0.0.3]') || reply;
    });
    assert.match(await rcpt('127.0.0.2', 'bad@evil.test'), accepted);
    assert.equal(await rcpt('127.0.0.5', 'other@evil.test'), rejected('Sender address', 'other@evil.test'));
  });

  test('postfix logged no warnings about the maps', () => {
    const warnings = readFileSync(maillog, 'utf8')
      .split('\n')
      .filter((l) => /(warning|error|fatal):/.test(l) && !/NOQUEUE: warn:/.test(l));
    assert.deepEqual(warnings, []);
  });
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

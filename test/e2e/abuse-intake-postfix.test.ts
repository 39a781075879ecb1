// Report mail as an ISP receives it: a real Postfix on loopback is the MX for example.jp and relays
// abuse@example.jp (a transport map entry, as an operator writes it) to the SMTP listener that
// `mizugiwa serve` starts from its config. swaks sends an ARF feedback report, an X-ARF report and an
// ACNS copyright notice through Postfix; with the subscribers and their leases imported first, the
// test sees through the API that each became a report, an event, and a case for the subscriber the
// lease names. The ARF mail sent a second time (through Postfix again, so with other Received
// headers and other bytes) is recognised by its Message-ID: no second report, no second event.
//
// Postfix runs as in the other Postfix tests: its own configuration, queue, data directory and log
// (maillog_file through postlogd) in a temporary directory, daemons as the postfix user; root needed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { missingProgram, requireOrSkip } from '../support/components.js';
import { eventually } from '../support/daemon.js';
import { freePort, runCli, startServe, stopServe, type Served } from '../support/serve.js';
import { stopPostfix } from '../support/postfix.js';

const run = promisify(execFile);

const skip =
  missingProgram('/usr/sbin/postfix', 'postfix') ||
  missingProgram('/usr/bin/swaks', 'swaks') ||
  (userInfo().uid !== 0 && requireOrSkip('postfix -c <dir> start needs root'));

const fixtures = join(import.meta.dirname, '../../src/abuse/formats/fixtures');
const MAILS = {
  arf: join(fixtures, 'arf/abuse-standard.eml'),
  xarf: join(fixtures, 'xarf/v4-json-attachment.eml'),
  acns: join(fixtures, 'acns/bittorrent-plain.eml'),
};

type Report = {
  id: number;
  format: string;
  transport: string;
  origin: string;
  state: string;
  events: number;
  messageId: string;
};
type Event = {
  id: number;
  type: string;
  subscriberId: string | null;
  caseId: number | null;
  source: { address: string; port: number | null };
};
type Case = { id: number; subscriberId: string; type: string; state: string; eventCount: number };

describe('abuse intake: report mail through a real Postfix to the SMTP listener serve runs', { skip }, () => {
  let root = '';
  let etc = '';
  let postfixPort = 0;
  let intakePort = 0;
  let started = false;
  let served: Served | undefined;
  let token = '';

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${served!.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return (await res.json()) as T;
  };
  const reports = async () => (await api<{ items: Report[] }>('/api/abuse/reports?transport=smtp')).items;
  const cases = async () => (await api<{ items: Case[] }>('/api/abuse/cases')).items;
  const deliveries = () =>
    existsSync(join(root, 'maillog'))
      ? readFileSync(join(root, 'maillog'), 'utf8')
          .split('\n')
          .filter((l) => l.includes(`relay=127.0.0.1[127.0.0.1]:${intakePort}`) && l.includes('status=sent'))
      : [];

  /** One mail from a reporting MX through Postfix, as its file is. */
  const send = async (file: string): Promise<void> => {
    const args = ['--server', `127.0.0.1:${postfixPort}`, '--helo', 'mx.reporter.example.net'];
    args.push('--from', 'reports@example.net', '--to', 'abuse@example.jp', '--data', file, '--timeout', '10');
    const res = await run('/usr/bin/swaks', args, { timeout: 30_000 }).catch(
      (err: { stdout?: string; stderr?: string }) => ({ stdout: `${err.stdout}${err.stderr}`, failed: true }),
    );
    assert.ok(!('failed' in res), `swaks ${file} failed:\n${res.stdout}`);
    assert.match(res.stdout, /<- {2}250 2\.0\.0 Ok: queued as/);
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'mzg-abuse-postfix-'));
    etc = join(root, 'etc');
    postfixPort = await freePort();
    intakePort = await freePort();
    chmodSync(root, 0o755);
    for (const d of ['etc', 'queue', 'postfix-data']) mkdirSync(join(root, d));
    const postfix = /^postfix:[^:]*:(\d+):(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'));
    assert.ok(postfix, 'the postfix package creates the postfix user');
    chownSync(join(root, 'postfix-data'), Number(postfix[1]), Number(postfix[2]));

    writeFileSync(
      join(etc, 'master.cf'),
      [
        // smtpd takes the mail in, cleanup and qmgr queue it, the smtp client relays it on.
        `127.0.0.1:${postfixPort} inet n - n - - smtpd`,
        'cleanup unix n - n - 0 cleanup',
        'qmgr unix n - n 300 1 qmgr',
        'rewrite unix - - n - - trivial-rewrite',
        'bounce unix - - n - 0 bounce',
        'defer unix - - n - 0 bounce',
        'trace unix - - n - 0 bounce',
        'verify unix - - n - 1 verify',
        'flush unix n - n 1000? 0 flush',
        'proxymap unix - - n - - proxymap',
        'smtp unix - - n - - smtp',
        'relay unix - - n - - smtp',
        'error unix - - n - - error',
        'retry unix - - n - - error',
        'discard unix - - n - - discard',
        'anvil unix - - n - 1 anvil',
        'scache unix - - n - 1 scache',
        'postlog unix-dgram n - n - 1 postlogd',
        '',
      ].join('\n'),
    );
    // What an operator adds to route the desk's address to Mizugiwa; every other address of the domain is refused.
    writeFileSync(join(etc, 'transport'), `abuse@example.jp  smtp:[127.0.0.1]:${intakePort}\n`);
    writeFileSync(join(etc, 'relay_recipients'), 'abuse@example.jp  OK\n');
    writeFileSync(
      join(etc, 'main.cf'),
      [
        'compatibility_level = 3.6',
        `queue_directory = ${root}/queue`,
        `data_directory = ${root}/postfix-data`,
        'mail_owner = postfix',
        'myhostname = mx1.example.jp',
        'mydestination =',
        'local_recipient_maps =',
        'alias_maps =',
        'alias_database =',
        'relay_domains = example.jp',
        `relay_recipient_maps = texthash:${etc}/relay_recipients`,
        `transport_maps = texthash:${etc}/transport`,
        'inet_interfaces = 127.0.0.1',
        'inet_protocols = ipv4',
        'mynetworks = 127.0.0.0/8',
        'smtpd_peername_lookup = no',
        'smtp_tls_security_level = none',
        'smtp_dns_support_level = disabled',
        `maillog_file_prefixes = ${root}`,
        `maillog_file = ${root}/maillog`,
        '',
      ].join('\n'),
    );
    await run('/usr/sbin/postfix', ['-c', etc, 'check'], { timeout: 30_000 });
    await run('/usr/sbin/postfix', ['-c', etc, 'start'], { timeout: 30_000 });
    started = true;
    await eventually('smtpd listening', async () => ((await canConnect(postfixPort)) ? true : 'not listening'));

    // The subscribers and the addresses they hold when the reported things happened (18-24 Nov 2026).
    writeFileSync(
      join(root, 'customers.csv'),
      [
        'id,name,email,radius_user',
        'C-ARF,Sato,sato@example.jp,sato@isp',
        'C-XARF,Ito,ito@example.jp,ito@isp',
        'C-ACNS,Kato,kato@example.jp,kato@isp',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(root, 'static.csv'),
      [
        'prefix,subscriber_id,since',
        '198.51.100.16/28,C-ARF,2026-01-01T00:00:00Z',
        '203.0.113.144/28,C-XARF,2026-01-01T00:00:00Z',
        '203.0.113.32/28,C-ACNS,2026-01-01T00:00:00Z',
        '',
      ].join('\n'),
    );
    const subscribers = runCli(['subscribers', 'import', 'customers.csv'], { cwd: root });
    assert.equal(subscribers.code, 0, subscribers.stderr);
    const leases = runCli(['attribute', 'import', 'static.csv', '--format', 'static-csv', '--source', 'business'], {
      cwd: root,
    });
    assert.equal(leases.code, 0, leases.stderr);
    const created = runCli(['token', 'create', 'e2e', '--role', 'abuse_desk'], { cwd: root });
    assert.equal(created.code, 0, created.stderr);
    token = /^mzg_\S+/m.exec(created.stdout)?.[0] ?? '';
    assert.ok(token, `no token in ${JSON.stringify(created.stdout)}`);

    writeFileSync(
      join(root, 'mizugiwa.yaml'),
      [
        'abuse:',
        '  intake:',
        '    smtp:',
        '      listen: 127.0.0.1',
        `      port: ${intakePort}`,
        '      recipients: [abuse@example.jp]',
        '',
      ].join('\n'),
    );
    served = await startServe(root);
  });

  after(async () => {
    if (served) await stopServe(served);
    if (started) await stopPostfix(etc, root);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('serve says where the SMTP intake listens', async () => {
    await eventually(
      'the intake line',
      async () =>
        served!.output.some((l) => l.includes(`Abuse intake: SMTP on 127.0.0.1:${intakePort} for abuse@example.jp`)) ||
        'not printed',
    );
  });

  test('ARF, X-ARF and ACNS mails relayed by Postfix become reports, events and one case per subscriber', async () => {
    await send(MAILS.arf);
    await send(MAILS.xarf);
    await send(MAILS.acns);
    await eventually(
      'Postfix relayed the three mails to Mizugiwa',
      async () => deliveries().length === 3 || `${deliveries().length} relayed`,
      60_000,
    );

    const received = await reports();
    assert.deepEqual(received.map((r) => r.format).sort(), ['acns', 'arf', 'xarf']);
    for (const r of received) {
      assert.equal(r.state, 'parsed', JSON.stringify(r));
      assert.equal(r.events, 1, JSON.stringify(r));
      assert.match(
        r.origin,
        /^smtp \[127\.0\.0\.1\]:\d+ helo mx1\.example\.jp from <reports@example\.net> to <abuse@example\.jp>$/,
      );
    }

    const expected: Record<string, { subscriber: string; type: string; address: string; port: number | null }> = {
      arf: { subscriber: 'C-ARF', type: 'spam', address: '198.51.100.23', port: null },
      xarf: { subscriber: 'C-XARF', type: 'scanner', address: '203.0.113.150', port: 43871 },
      acns: { subscriber: 'C-ACNS', type: 'copyright', address: '203.0.113.45', port: 51413 },
    };
    await eventually('every event attributed', async () => {
      const events = (await api<{ items: Event[] }>('/api/abuse/events')).items;
      return (
        (events.length === 3 && events.every((e) => e.subscriberId !== null && e.caseId !== null)) ||
        JSON.stringify(events)
      );
    });
    for (const r of received) {
      const want = expected[r.format]!;
      const [e] = (await api<{ items: Event[] }>(`/api/abuse/events?report=${r.id}`)).items;
      assert.equal(e?.type, want.type, r.format);
      assert.equal(e?.source.address, want.address, r.format);
      assert.equal(e?.source.port, want.port, r.format);
      assert.equal(e?.subscriberId, want.subscriber, r.format);
      const shown = await api<{ case: Case; timeline: { kind: string; address?: string; reporter?: string }[] }>(
        `/api/abuse/cases/${e!.caseId}`,
      );
      assert.equal(shown.case.subscriberId, want.subscriber);
      assert.equal(shown.case.type, want.type);
      assert.equal(shown.case.state, 'new');
      assert.ok(
        shown.timeline.some((t) => t.kind === 'event' && t.address === want.address),
        r.format,
      );
    }
    assert.deepEqual((await cases()).map((c) => `${c.subscriberId} ${c.type} ${c.eventCount}`).sort(), [
      'C-ACNS copyright 1',
      'C-ARF spam 1',
      'C-XARF scanner 1',
    ]);

    // The evidence is the mail as it arrived here: Postfix's Received line under the listener's own.
    const arf = received.find((r) => r.format === 'arf')!;
    const evidence = await fetch(`${served!.baseUrl}/api/abuse/reports/${arf.id}/evidence`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await evidence.text();
    assert.match(text, /^Received: from mx1\.example\.jp \(\[127\.0\.0\.1\]\)\r\n\tby \S+ \(Mizugiwa\)/);
    assert.match(text, /\tby mx1\.example\.jp \(Postfix\) with E?SMTP id /);
    assert.match(text, /Message-ID: <arf-20261124011238-7f3a@fbl\.example\.net>/);
  });

  test('the same mail sent twice creates no second report or event', async () => {
    await send(MAILS.arf);
    // Postfix reports the relay only after Mizugiwa answered 250, which it does once the mail is handled.
    await eventually(
      'Postfix relayed the mail again',
      async () => deliveries().length === 4 || `${deliveries().length} relayed`,
      60_000,
    );
    const received = await reports();
    assert.equal(received.length, 3);
    assert.equal(received.filter((r) => r.messageId === '<arf-20261124011238-7f3a@fbl.example.net>').length, 1);
    assert.equal((await api<{ items: Event[] }>('/api/abuse/events')).items.length, 3);
    assert.equal((await cases()).find((c) => c.subscriberId === 'C-ARF')?.eventCount, 1);
    const metrics = await (await fetch(`${served!.baseUrl}/metrics`)).text();
    assert.match(metrics, /mizugiwa_abuse_intake_received\{transport="smtp",outcome="stored"\} 3/);
    assert.match(metrics, /mizugiwa_abuse_intake_received\{transport="smtp",outcome="duplicate"\} 1/);
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

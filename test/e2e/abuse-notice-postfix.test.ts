// Notices to subscribers through a real Postfix: an instance with its own configuration, queue, mailboxes and
// log in a temporary directory, smtpd on 127.0.0.1 and a free port, delivering with its virtual(8) agent into
// Maildirs (one for a subscriber, one for the abuse desk, which is the notices' envelope sender). A second
// subscriber's domain is relayed by Postfix's smtp(8) client to a stand-in for the remote MX, which refuses the
// recipient, so that Postfix itself writes the bounce; a third subscriber's domain goes to error(8), so that
// Postfix refuses the recipient while Mizugiwa is still talking to it. Mizugiwa sends the digests through it
// (DKIM-signed); the test reads the subscriber's mail from the Maildir and checks what it says, then feeds the
// bounce Postfix delivered to the desk's Maildir to intake, which flags the notice.
//
// Postfix runs its daemons as mail_owner (postfix); virtual(8) writes the mailboxes as the user `nobody`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../../bench/lib/free-port.js';
import { attributeNewEvents } from '../../src/abuse/attribute-events.js';
import { caseTimeline } from '../../src/abuse/cases.js';
import { getNotice, listNotices } from '../../src/abuse/notices/notices.js';
import { addEvents, addSubscriber, bytesOf, noticesConfig } from '../../src/abuse/notices/notices.test-support.js';
import { runNotifier } from '../../src/abuse/notices/notify.js';
import { smtpSender } from '../../src/abuse/notices/send.js';
import { receiveReport } from '../../src/abuse/receive-report.js';
import { applyLeaseRecords } from '../../src/attribute/apply-leases.js';
import { upsertSubscriber } from '../../src/store/subscribers.js';
import { missingProgram, requireOrSkip } from '../support/components.js';
import { eventually } from '../support/daemon.js';
import { sqliteStore, type TestStore } from '../support/stores.js';
import { stopPostfix } from '../support/postfix.js';

const run = promisify(execFile);

const skip =
  missingProgram('/usr/sbin/postfix', 'postfix') ||
  missingProgram('/usr/lib/postfix/sbin/virtual', 'postfix') ||
  (userInfo().uid !== 0 && requireOrSkip('postfix -c <dir> start needs root'));

const ACNS = readFileSync(new URL('../../src/abuse/formats/fixtures/acns/bittorrent-plain.eml', import.meta.url));

function passwdIds(user: string): { uid: number; gid: number } {
  const m = new RegExp(`^${user}:[^:]*:(\\d+):(\\d+):`, 'm').exec(readFileSync('/etc/passwd', 'utf8'));
  assert.ok(m, `user ${user} exists`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** The messages delivered into a Maildir's new/, oldest first. */
function delivered(maildir: string): Buffer[] {
  const dir = join(maildir, 'new');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => readFileSync(join(dir, f)));
}

describe('notices sent through Postfix', { skip }, () => {
  const root = mkdtempSync(join(tmpdir(), 'mzg-notice-postfix-'));
  const etc = join(root, 'etc');
  const mail = join(root, 'mail');
  let port = 0;
  let started = false;
  let remoteMx: SMTPServer | undefined;
  let store: TestStore;
  const dataDir = join(root, 'mizugiwa');

  before(async () => {
    port = await freePort();
    // The remote MX of gone.example.jp: the mailbox does not exist.
    remoteMx = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onRcptTo(address, _session, done) {
        done(
          Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`), {
            responseCode: 550,
          }),
        );
      },
    });
    await new Promise<void>((resolve) => remoteMx!.listen(0, '127.0.0.1', resolve));
    const remotePort = (remoteMx.server.address() as AddressInfo).port;
    chmodSync(root, 0o755);
    for (const d of ['etc', 'queue', 'data', 'mail', 'mizugiwa']) mkdirSync(join(root, d));
    const postfix = passwdIds('postfix');
    const nobody = passwdIds('nobody');
    chownSync(join(root, 'data'), postfix.uid, postfix.gid);
    chownSync(mail, nobody.uid, nobody.gid);
    writeFileSync(
      join(etc, 'master.cf'),
      [
        `127.0.0.1:${port} inet n - n - - smtpd`,
        'cleanup unix n - n - 0 cleanup',
        'qmgr unix n - n 300 1 qmgr',
        'rewrite unix - - n - - trivial-rewrite',
        'bounce unix - - n - 0 bounce',
        'defer unix - - n - 0 bounce',
        'trace unix - - n - 0 bounce',
        'verify unix - - n - 1 verify',
        'flush unix n - n 1000? 0 flush',
        'proxymap unix - - n - - proxymap',
        // virtual(8) runs as root and writes each mailbox as the user the uid maps name.
        'virtual unix - n n - - virtual',
        'smtp unix - - n - - smtp',
        'error unix - - n - - error',
        'retry unix - - n - - error',
        'discard unix - - n - - discard',
        'anvil unix - - n - 1 anvil',
        'scache unix - - n - 1 scache',
        'postlog unix-dgram n - n - 1 postlogd',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(etc, 'main.cf'),
      [
        'compatibility_level = 3.6',
        `queue_directory = ${root}/queue`,
        `data_directory = ${root}/data`,
        'mail_owner = postfix',
        'myhostname = mx.isp.example.jp',
        'myorigin = isp.example.jp',
        'mydestination =',
        'local_recipient_maps =',
        'alias_maps =',
        'alias_database =',
        'inet_interfaces = 127.0.0.1',
        'inet_protocols = ipv4',
        'mynetworks = 127.0.0.0/8',
        'smtpd_peername_lookup = no',
        // The subscriber's mailbox and the abuse desk's, as Maildirs (the trailing slash).
        'virtual_mailbox_domains = example.jp, isp.example.jp',
        `virtual_mailbox_base = ${mail}`,
        'virtual_mailbox_maps = inline:{ taro@example.jp=taro/, abuse@isp.example.jp=desk/ }',
        `virtual_uid_maps = static:${nobody.uid}`,
        `virtual_gid_maps = static:${nobody.gid}`,
        'virtual_minimum_uid = 1',
        // gone.example.jp: Postfix accepts the mail, its remote MX refuses it, Postfix bounces it to the sender.
        // closed.example.jp: Postfix refuses the recipient at once.
        `transport_maps = inline:{ gone.example.jp=smtp:[127.0.0.1]:${remotePort}, { closed.example.jp = error:5.1.1 This account is closed } }`,
        'smtp_tls_security_level = none',
        // Nothing ever leaves this machine.
        'default_transport = error:5.4.4 this test delivers nothing outside',
        'relay_transport = error:5.4.4 this test delivers nothing outside',
        `maillog_file_prefixes = ${root}`,
        `maillog_file = ${root}/maillog`,
        '',
      ].join('\n'),
    );
    await run('/usr/sbin/postfix', ['-c', etc, 'check'], { timeout: 30_000 });
    await run('/usr/sbin/postfix', ['-c', etc, 'start'], { timeout: 30_000 });
    started = true;
    await eventually('smtpd listening', async () => ((await canConnect(port)) ? true : 'not listening'));

    // The DKIM key the ISP signs notices with.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dataDir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });

    // A copyright notice (ACNS) about 203.0.113.45:51413 at 2026-11-18T15:42:07Z, when taro held it.
    store = await sqliteStore();
    const T = Date.parse('2026-11-18T00:00:00Z');
    await applyLeaseRecords(
      store.db,
      'radius',
      [
        {
          session: 's1',
          action: 'start',
          at: T,
          address: '203.0.113.45',
          subscriberKey: 'taro@isp',
          keyKind: 'user',
          evidence: 'detail:1',
        },
        { session: 's1', action: 'stop', at: T + 86_400_000, address: '203.0.113.45', evidence: 'detail:2' },
      ],
      { format: 'freeradius-detail' },
    );
    await upsertSubscriber(
      store.db,
      { actor: { kind: 'system', component: 'e2e' } },
      {
        id: 'C-1001',
        name: '山田 太郎',
        email: 'taro@example.jp',
        phone: null,
        address: null,
        contract: null,
        locale: 'ja',
        keys: [{ kind: 'user', value: 'taro@isp' }],
      },
    );
    await addSubscriber(store.db, 'C-2002', { name: '鈴木 花子', email: 'hanako@gone.example.jp' });
    await addSubscriber(store.db, 'C-3003', { name: '佐藤 三郎', email: 'saburo@closed.example.jp' });
    const outcome = await receiveReport({ db: store.db, dataDir }, bytesOf(ACNS), {
      transport: 'smtp',
      origin: 'e2e',
      fileName: 'message',
    });
    assert.equal(outcome.events, 1, JSON.stringify(outcome));
    const attribution = await attributeNewEvents(store.db, {
      skewMs: 2000,
      ownPrefixes: [],
      windowDays: () => 30,
      audit: { actor: { kind: 'system', component: 'e2e' } },
    });
    assert.equal(attribution.attributed, 1);
    // Two sightings of an infected device on the same line, from a Shadowserver report.
    await addEvents(store.db, 'C-1001', [
      { time: '2026-11-20T05:05:07.000Z', source: { address: '203.0.113.45', port: 40123 }, identifier: 'mirai' },
      { time: '2026-11-20T06:10:00.000Z', source: { address: '203.0.113.45', port: 40777 }, identifier: 'mirai' },
    ]);
    await addEvents(store.db, 'C-2002', [
      { time: '2026-11-20T01:00:00.000Z', type: 'vulnerable-system', source: { address: '198.51.100.23', port: 23 } },
    ]);
    await addEvents(store.db, 'C-3003', [
      { time: '2026-11-20T02:00:00.000Z', type: 'scanner', source: { address: '198.51.100.24' } },
    ]);
  });

  after(async () => {
    await store?.dispose();
    if (remoteMx) await new Promise<void>((resolve) => remoteMx!.close(() => resolve()));
    if (started) await stopPostfix(etc, root);
    rmSync(root, { recursive: true, force: true });
  });

  const config = () =>
    noticesConfig({
      smtp: {
        host: '127.0.0.1',
        port,
        from: 'みずぎわネット サポートセンター <abuse@isp.example.jp>',
        reply_to: 'support@isp.example.jp',
        timeout_seconds: 20,
        dkim: { domain: 'isp.example.jp', selector: 'notice2026', private_key_file: 'dkim.pem' },
      },
    });

  test("the digest reaches the subscriber's mailbox in Japanese, with the facts in Japan time and the contact", async () => {
    const sender = await smtpSender(config().smtp, dataDir);
    let result;
    try {
      result = await runNotifier({ db: store.db, config: config(), sender }, { dryRun: false });
    } finally {
      sender.close();
    }
    const outcomes = result.digests.map((d) => [d.subscriberId, d.status, d.error ?? null]);
    assert.deepEqual(
      outcomes,
      [
        ['C-1001', 'sent', null],
        ['C-2002', 'sent', null],
        [
          'C-3003',
          'bounced',
          '550 5.1.1 <saburo@closed.example.jp>: Recipient address rejected: This account is closed',
        ],
      ],
      'Postfix takes the first two; the third it refuses while Mizugiwa is still connected',
    );

    let raw: Buffer | undefined;
    await eventually("the notice in taro's Maildir", () => {
      raw = delivered(join(mail, 'taro'))[0];
      return raw ? true : 'empty';
    });
    const parsed = await simpleParser(raw!);
    const [notice] = await listNotices(store.db, { subscriberId: 'C-1001' }, { limit: 1, offset: 0 });
    assert.equal(parsed.messageId, notice?.messageId, 'the Message-ID kept on the notice is the one delivered');
    assert.equal(parsed.subject, '【重要】お客様のインターネット回線に関するセキュリティ上のお知らせ');
    assert.equal(parsed.from?.value[0]?.address, 'abuse@isp.example.jp');
    assert.match(
      parsed.headerLines.find((h) => h.key === 'dkim-signature')?.line ?? '',
      /d=isp\.example\.jp;[\s\S]*s=notice2026/,
    );
    assert.match(
      parsed.headerLines.find((h) => h.key === 'received')?.line ?? '',
      /by mx\.isp\.example\.jp \(Postfix\)/,
    );
    const body = parsed.text ?? '';
    assert.match(body, /^山田 太郎 様\n/);
    assert.match(body, /時刻はすべて日本時間です。/);
    // The ACNS notice, as its parser read it, in Japan time.
    assert.match(body, /・2026年11月19日 00:42:07\u3000IP アドレス 203\.0\.113\.45（ポート 51413）\u3000bittorrent/);
    assert.match(
      body,
      /\u3000作品名: Harbour Lights\n\u3000ファイル名: Harbour\.Lights\.S02E04\.1080p\.WEB\.h264-EXAMPLE\.mkv/,
    );
    assert.match(body, /連絡元: Example Pictures, Inc\./);
    assert.match(body, /このお知らせは、お客様が行ったと判断するものではありません。/);
    // The infected device.
    assert.match(body, /・2026年11月20日 14:05:07\u3000IP アドレス 203\.0\.113\.45（ポート 40123）\u3000検知名: mirai/);
    assert.match(body, /・2026年11月20日 15:10:00\u3000IP アドレス 203\.0\.113\.45（ポート 40777）\u3000検知名: mirai/);
    assert.match(body, /報告元: The Shadowserver Foundation/);
    // The ISP's contact.
    assert.match(body, /みずぎわネット サポートセンター\n電話: 0120-000-000\nメール: support@isp\.example\.jp\n/);
    assert.match(body, /受付時間: 平日 9:00～18:00/);
    for (const c of notice!.cases) assert.equal((await caseTimeline(store.db, c.caseId)).case.state, 'notified');
  });

  test('the bounce Postfix writes for an address that is gone, fed to intake, flags the notice and notes its case', async () => {
    let raw: Buffer | undefined;
    await eventually("the bounce in the desk's Maildir", () => {
      raw = delivered(join(mail, 'desk'))[0];
      return raw ? true : 'empty';
    });
    assert.match(raw!.toString('latin1'), /^Content-Type: multipart\/report; report-type=delivery-status;/m);
    const outcome = await receiveReport({ db: store.db, dataDir }, bytesOf(raw!), {
      transport: 'maildir',
      origin: join(mail, 'desk', 'new'),
      fileName: 'message',
    });
    assert.equal(outcome.state, 'bounce', JSON.stringify(outcome));
    const [listed] = await listNotices(store.db, { subscriberId: 'C-2002' }, { limit: 1, offset: 0 });
    const notice = await getNotice(store.db, listed!.id);
    assert.equal(notice.status, 'bounced');
    assert.equal(notice.bounceStatus, '5.1.1');
    assert.match(
      notice.bounceDiagnostic ?? '',
      /^550 5\.1\.1 <hanako@gone\.example\.jp>: Recipient address rejected: User unknown/,
    );
    const { timeline } = await caseTimeline(store.db, notice.cases[0]!.caseId);
    assert.ok(
      timeline.some(
        (t) =>
          t.kind === 'note' &&
          t.text.includes(`notice ${notice.id} did not reach the subscriber (hanako@gone.example.jp)`),
      ),
      JSON.stringify(timeline),
    );
    const taro = await listNotices(store.db, { subscriberId: 'C-1001' }, { limit: 1, offset: 0 });
    assert.equal(taro[0]?.status, 'sent', 'the other notice is untouched');
  });
});

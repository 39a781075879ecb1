// The IMAP poller against a real Dovecot (the Debian package dovecot-imapd), started by the test on 127.0.0.1 and a
// free high port with a configuration of its own in a temporary directory: passwd-file users, the user's Maildir
// under that directory, no TLS (ssl = no, plaintext login allowed: it listens on loopback only), its own base_dir,
// state_dir and log. Report mails reach the mailbox the two ways they do in production: delivered into the Maildir
// by the MTA (written to tmp/, renamed into new/) and appended over IMAP by another client.
//
// As root (CI), Dovecot runs as it does when installed, and the mail user is `mail`; as another user, every
// process of it runs as that user (Dovecot's rootless mode).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { freePort } from '../../bench/lib/free-port.js';
import type { IncomingMail, MailSink } from '../../src/abuse/intake/incoming-mail.js';
import { imapIntakeSchema } from '../../src/abuse/intake/intake-schema.js';
import { pollImap, type ImapPoller, type ImapPollOptions } from '../../src/abuse/intake/imap-poll.js';
import { missingProgram } from '../support/components.js';
import { daemon, eventually, runCleanups, tempDir, type Cleanups } from '../support/daemon.js';

const run = promisify(execFile);
const DOVECOT = '/usr/sbin/dovecot';
const DOVEADM = '/usr/bin/doveadm';
const skip =
  missingProgram(DOVECOT, 'dovecot-imapd') ||
  missingProgram('/usr/lib/dovecot/imap', 'dovecot-imapd') ||
  missingProgram(DOVEADM, 'dovecot-core');

const fixture = (name: string) =>
  readFileSync(new URL(`../../src/abuse/intake/fixtures/report-mails/${name}`, import.meta.url));
const ARF = fixture('arf-feedback-loop.eml');
const ISO_2022_JP = fixture('iso-2022-jp-complaint.eml');
const UTF8 = fixture('utf8-phishing-report.eml');
/** A follow-up mail of the kind an abuse desk gets many of, with a Message-ID of its own. */
const followUp = (n: number) =>
  Buffer.from(
    [
      'From: Example Mail Feedback Loop <fbl@example.net>',
      'To: abuse@example.jp',
      `Subject: Complaint ${n} about message from 203.0.113.77`,
      'Date: Wed, 11 Jun 2025 08:00:00 +0000',
      `Message-ID: <fbl.20250611.${n}@example.net>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset="us-ascii"',
      '',
      `Another complaint (${n}) about 203.0.113.77.`,
      '',
    ].join('\r\n'),
  );

const USER = 'abuse';
const PASSWORD = 'correct horse battery staple';

const cleanups: Cleanups = [];
after(() => runCleanups(cleanups));

describe('IMAP intake against Dovecot', { skip }, () => {
  let dir = '';
  let port = 0;
  let maildir = '';
  let owner = { uid: 0, gid: 0 };
  let dovecot: ReturnType<typeof daemon> | undefined;
  const logs: string[] = [];
  const log = {
    info: (obj: object, msg: string) => logs.push(`${msg} ${JSON.stringify(obj)}`),
    warn: (obj: object, msg: string) => logs.push(`${msg} ${JSON.stringify(obj)}`),
  };

  /** Dovecot in the foreground; resolves once it accepts connections. */
  const startDovecot = async () => {
    dovecot = daemon(cleanups, DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')]);
    await eventually(
      'Dovecot listening',
      () =>
        new Promise<string | true>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.once('connect', () => (socket.destroy(), resolve(true)));
          socket.once('error', (e) => resolve(`${e.message}; output: ${dovecot!.output()}`));
        }),
    );
  };
  /** Stops Dovecot. Its master leaves running sessions alone: they are kicked first, as a restart for an update does. */
  const stopDovecot = async () => {
    await run(DOVEADM, ['-c', join(dir, 'dovecot.conf'), 'kick', USER]);
    const child = dovecot!.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };

  /** Delivers into the Maildir as an MTA does: written to tmp/, renamed into new/. */
  let sequence = 0;
  const deliver = (raw: Buffer) => {
    const name = `${1749600000 + sequence}.M${100000 + sequence++}P4242.mx1.example.jp`;
    writeFileSync(join(maildir, 'tmp', name), raw);
    chownSync(join(maildir, 'tmp', name), owner.uid, owner.gid);
    renameSync(join(maildir, 'tmp', name), join(maildir, 'new', name));
  };

  /** A second client, as a mail user reading the same mailbox. */
  const withMailbox = async <T>(fn: (client: ImapFlow) => Promise<T>): Promise<T> => {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user: USER, pass: PASSWORD },
      logger: false,
      disableBinary: true,
    });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.logout();
    }
  };
  const append = (raw: Buffer, folder = 'INBOX') => withMailbox((c) => c.append(folder, raw));
  /** Subject → flags of every message in a folder. */
  const flags = (folder = 'INBOX') =>
    withMailbox(async (c) => {
      const lock = await c.getMailboxLock(folder);
      try {
        const all = await c.fetchAll('1:*', { envelope: true, flags: true });
        return new Map(all.map((m) => [m.envelope?.subject ?? '', [...(m.flags ?? [])].sort()]));
      } catch {
        return new Map<string, string[]>(); // an empty folder: 1:* matches nothing
      } finally {
        lock.release();
      }
    });

  const pollers: ImapPoller[] = [];
  const poller = (sink: MailSink, config: Record<string, unknown> = {}, extra: Partial<ImapPollOptions> = {}) => {
    const options = imapIntakeSchema.parse({
      host: '127.0.0.1',
      port,
      secure: false,
      user: USER,
      password_file: join(dir, 'imap-password'),
      // An hour: what happens within a test happens because of poll(), IDLE or a retry, not the timer.
      poll_seconds: 3600,
      ...config,
    });
    const started = pollImap(
      { ...options, log, retry: { firstMs: 300, maxMs: 2000 }, reconnect: { firstMs: 300, maxMs: 2000 }, ...extra },
      sink,
    );
    pollers.push(started);
    return started;
  };

  before(async () => {
    dir = tempDir(cleanups, 'mzg-dovecot-e2e-');
    port = await freePort();
    const me = userInfo();
    const root = me.uid === 0;
    if (root) {
      const mail = /^mail:[^:]*:(\d+):(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'));
      assert.ok(mail, 'Debian has a mail user');
      owner = { uid: Number(mail[1]), gid: Number(mail[2]) };
    } else {
      owner = { uid: me.uid, gid: me.gid };
    }
    // Dovecot's own users (dovecot, dovenull) pass through the directory to their sockets.
    chmodSync(dir, 0o755);
    const home = join(dir, 'home', USER);
    maildir = join(home, 'Maildir');
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
    for (const path of [join(dir, 'home'), home, maildir, ...['new', 'cur', 'tmp'].map((s) => join(maildir, s))]) {
      chownSync(path, owner.uid, owner.gid);
    }
    writeFileSync(join(dir, 'users'), `${USER}:{PLAIN}${PASSWORD}:${owner.uid}:${owner.gid}::${home}::\n`);
    writeFileSync(join(dir, 'imap-password'), `${PASSWORD}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'wrong-password'), 'not the password\n', { mode: 0o600 });
    writeFileSync(
      join(dir, 'dovecot.conf'),
      [
        `base_dir = ${join(dir, 'run')}`,
        `state_dir = ${join(dir, 'state')}`,
        `instance_name = mizugiwa-e2e-${port}`,
        `log_path = ${join(dir, 'dovecot.log')}`,
        'protocols = imap',
        'listen = 127.0.0.1',
        'ssl = no',
        // Plaintext LOGIN without TLS: it listens on loopback only.
        'disable_plaintext_auth = no',
        'auth_mechanisms = plain login',
        `first_valid_uid = ${Math.min(owner.uid, 500) || 1}`,
        'mail_location = maildir:~/Maildir',
        ...(root
          ? []
          : [
              `default_internal_user = ${me.username}`,
              `default_login_user = ${me.username}`,
              'service anvil {\n  chroot =\n}',
            ]),
        `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${join(dir, 'users')}\n}`,
        `userdb {\n  driver = passwd-file\n  args = username_format=%u ${join(dir, 'users')}\n}`,
        'service imap-login {',
        `  inet_listener imap {\n    address = 127.0.0.1\n    port = ${port}\n  }`,
        '  inet_listener imaps {\n    port = 0\n  }',
        ...(root ? [] : ['  chroot =']),
        '}',
        'namespace inbox {',
        '  inbox = yes',
        '  mailbox Reports {\n    auto = create\n  }',
        '  mailbox Processed {\n    auto = create\n  }',
        '}',
        '',
      ].join('\n'),
    );
    await startDovecot();
  });

  after(async () => {
    for (const p of pollers) await p.stop();
  });

  const received: IncomingMail[] = [];
  let failing = false;
  const sink: MailSink = async (mail) => {
    if (failing) throw new Error('evidence store is read-only');
    received.push(mail);
  };
  let main: ImapPoller;

  test('hands on every unseen message, byte for byte, and marks it \\Seen', async () => {
    deliver(ARF);
    deliver(ISO_2022_JP);
    await append(UTF8);

    main = poller(sink);
    await main.poll();

    assert.equal(received.length, 3, logs.join('\n'));
    const bySubject = (raw: Buffer) => received.find((m) => Buffer.from(m.raw).equals(raw));
    for (const raw of [ARF, ISO_2022_JP, UTF8]) assert.ok(bySubject(raw), 'a message reached the sink unchanged');
    for (const mail of received) {
      assert.equal(mail.transport, 'imap');
      assert.match(mail.origin, new RegExp(`^imap://abuse@127\\.0\\.0\\.1:${port}/INBOX;UIDVALIDITY=\\d+/;UID=[123]$`));
    }
    const appended = bySubject(UTF8)!;
    assert.ok(Math.abs(appended.receivedAt.getTime() - Date.now()) < 60_000, 'INTERNALDATE of the APPEND');

    const seen = await flags();
    assert.equal(seen.size, 3);
    for (const [subject, f] of seen) assert.deepEqual(f, ['\\Seen'], subject);
    assert.equal(main.stats().connected, true);
  });

  test('a second poll hands nothing on again', async () => {
    await main.poll();
    assert.equal(received.length, 3);
    assert.equal(main.stats().delivered, 3);
  });

  test('a message the sink refused stays unseen and is delivered by a later poll', async () => {
    failing = true;
    await append(followUp(4));
    await main.poll();
    assert.equal(received.length, 3);
    assert.equal(main.stats().failed, 1);
    assert.deepEqual((await flags()).get('Complaint 4 about message from 203.0.113.77'), []);

    failing = false;
    // Retried when its wait (300 ms) is over, by the retry schedule itself.
    await eventually('the retry', () => received.length === 4 || `${received.length} received`, 5000);
    assert.ok(Buffer.from(received[3]!.raw).equals(followUp(4)));
    assert.deepEqual((await flags()).get('Complaint 4 about message from 203.0.113.77'), ['\\Seen']);
    assert.equal(main.stats().waiting, 0);
  });

  test('new mail is announced by IDLE and fetched without waiting for the next poll', async () => {
    // The poller has been quiet for a while: it idles.
    await new Promise((r) => setTimeout(r, 2500));
    await append(followUp(5));
    await eventually('the IDLE notification', () => received.length === 5 || `${received.length} received`, 10_000);
  });

  test('reconnects after Dovecot went away and goes on where it stopped', async () => {
    const before = main.stats();
    await stopDovecot();
    await eventually('the lost connection', () => !main.stats().connected || 'still connected', 10_000);
    deliver(followUp(6));
    await startDovecot();
    await main.poll();
    assert.equal(received.length, 6, logs.join('\n'));
    assert.ok(Buffer.from(received[5]!.raw).equals(followUp(6)));
    const after = main.stats();
    assert.equal(after.connections, before.connections + 1);
    assert.ok(after.connectionFailures > before.connectionFailures);
    assert.match(logs.join('\n'), /IMAP intake stopped polling: reconnecting/);
  });

  test('moves processed messages to move_to instead of flagging them', async () => {
    const moved: IncomingMail[] = [];
    const mover = poller(async (m) => void moved.push(m), { folder: 'Reports', move_to: 'Processed' });
    await append(followUp(7), 'Reports');
    await mover.poll();
    assert.equal(moved.length, 1);
    assert.match(moved[0]!.origin, /\/Reports;UIDVALIDITY=\d+\/;UID=1$/);
    assert.equal((await flags('Reports')).size, 0);
    assert.deepEqual([...(await flags('Processed')).keys()], ['Complaint 7 about message from 203.0.113.77']);
    await mover.stop();
  });

  test('a refused login is logged with the server’s reason and retried, never thrown', async () => {
    const refused = poller(async () => assert.fail('nothing is delivered without a login'), {
      password_file: join(dir, 'wrong-password'),
    });
    await eventually('the failed login', () => refused.stats().connectionFailures >= 1 || 'no failure yet', 15_000);
    assert.equal(refused.stats().connected, false);
    assert.match(refused.stats().lastError ?? '', /AUTHENTICATIONFAILED|authentication failed/i);
    assert.match(logs.join('\n'), /IMAP intake could not log in/);
    await refused.stop();
  });

  test('stop() logs out', async () => {
    const loggedOut = () =>
      readFileSync(join(dir, 'dovecot.log'), 'utf8').match(/Disconnected: Logged out/g)?.length ?? 0;
    await new Promise((r) => setTimeout(r, 300)); // the log lines of the clients before
    const before = loggedOut();
    await main.stop();
    assert.equal(main.stats().connected, false);
    await eventually(
      'the LOGOUT in the Dovecot log',
      () => loggedOut() === before + 1 || `${loggedOut() - before} more`,
    );
  });
});

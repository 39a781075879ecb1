import assert from 'node:assert/strict';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { IncomingMail, MailSink } from './incoming-mail.js';
import { curName, watchMaildir, type MaildirWatcher, type MaildirWatchOptions } from './maildir.js';

// The Maildir watcher against a temporary Maildir that the test delivers into the way an MTA does: written to
// tmp/, then renamed into new/.

const fixture = (name: string) => readFileSync(new URL(`./fixtures/report-mails/${name}`, import.meta.url));
const ARF = fixture('arf-feedback-loop.eml');
const ISO_2022_JP = fixture('iso-2022-jp-complaint.eml');
const UTF8 = fixture('utf8-phishing-report.eml');

const root = mkdtempSync(join(tmpdir(), 'mzg-maildir-'));
const watchers: MaildirWatcher[] = [];
after(async () => {
  for (const w of watchers) await w.stop();
  rmSync(root, { recursive: true, force: true });
});

let count = 0;
function maildir(): string {
  const dir = join(root, `Maildir-${++count}`);
  for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  return dir;
}

let sequence = 0;
/** Delivers like Postfix's local(8): a unique name, written in tmp/, renamed into new/. */
function deliver(dir: string, raw: Buffer, mtime?: Date): string {
  const name = `${1749435271 + sequence}.V801I${(0x1a2b + sequence).toString(16)}M${100000 + sequence++}.mx1.example.jp`;
  writeFileSync(join(dir, 'tmp', name), raw);
  if (mtime) utimesSync(join(dir, 'tmp', name), mtime, mtime);
  renameSync(join(dir, 'tmp', name), join(dir, 'new', name));
  return name;
}

async function start(dir: string, sink: MailSink, options: MaildirWatchOptions = {}) {
  const warnings: string[] = [];
  const watcher = await watchMaildir(dir, sink, {
    scan_seconds: 3600,
    log: { info: () => {}, warn: (_obj, msg) => warnings.push(msg) },
    ...options,
  });
  watchers.push(watcher);
  return { watcher, warnings };
}

function collecting(): { received: IncomingMail[]; sink: MailSink } {
  const received: IncomingMail[] = [];
  return { received, sink: async (mail) => void received.push(mail) };
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const list = (dir: string, sub: string) => readdirSync(join(dir, sub)).sort();

describe('Maildir intake', () => {
  test('hands on the messages present at start, in delivery order, and moves each to cur/ as seen', async () => {
    const dir = maildir();
    const delivered = new Date('2025-06-09T02:14:31Z');
    const a = deliver(dir, ARF, delivered);
    const b = deliver(dir, ISO_2022_JP);
    writeFileSync(join(dir, 'tmp', '1749435999.V801I9M1.mx1.example.jp'), 'half written');
    const { received, sink } = collecting();
    const { watcher } = await start(dir, sink, { watch: false });
    await watcher.scan();

    assert.deepEqual(
      received.map((m) => m.origin),
      [join(dir, 'new', a), join(dir, 'new', b)],
    );
    assert.ok(Buffer.from(received[0]!.raw).equals(ARF));
    assert.ok(Buffer.from(received[1]!.raw).equals(ISO_2022_JP));
    assert.equal(received[0]!.transport, 'maildir');
    assert.equal(received[0]!.receivedAt.getTime(), delivered.getTime(), 'received when the MTA delivered it');
    assert.deepEqual(list(dir, 'new'), []);
    assert.deepEqual(list(dir, 'cur'), [`${a}:2,S`, `${b}:2,S`]);
    assert.ok(readFileSync(join(dir, 'cur', `${a}:2,S`)).equals(ARF));
    assert.deepEqual(list(dir, 'tmp'), ['1749435999.V801I9M1.mx1.example.jp'], 'tmp/ is left alone');
    assert.equal(watcher.stats().delivered, 2);
  });

  test('picks up new mail at once through change notifications', async () => {
    const dir = maildir();
    const { received, sink } = collecting();
    await start(dir, sink); // scans only hourly: what arrives now is found by the watch
    await new Promise((r) => setTimeout(r, 100));
    deliver(dir, UTF8);
    await until('the new message', () => received.length === 1, 3000);
    assert.ok(Buffer.from(received[0]!.raw).equals(UTF8));
  });

  test('finds new mail by the periodic scan when there are no change notifications', async () => {
    const dir = maildir();
    const { received, sink } = collecting();
    const { watcher } = await start(dir, sink, { watch: false, scan_seconds: 1 });
    await watcher.scan();
    deliver(dir, ARF);
    await until('the periodic scan', () => received.length === 1, 3000);
    assert.ok(watcher.stats().scans >= 2);
  });

  test('leaves a message the sink refused in new/ and tries it again after a growing wait', async () => {
    const dir = maildir();
    const bad = deliver(dir, ARF);
    const good = deliver(dir, UTF8);
    const attempts: number[] = [];
    const received: IncomingMail[] = [];
    const { watcher, warnings } = await start(
      dir,
      async (mail) => {
        if (mail.origin.endsWith(bad)) {
          attempts.push(Date.now());
          if (attempts.length <= 2) throw new Error('disk full');
        }
        received.push(mail);
      },
      { watch: false, retry: { firstMs: 150, maxMs: 1000 } },
    );
    await watcher.scan();
    assert.deepEqual(list(dir, 'new'), [bad], 'the refused message stays, the other one goes on');
    assert.deepEqual(list(dir, 'cur'), [`${good}:2,S`]);
    assert.equal(watcher.stats().waiting, 1);

    // No scan is due for an hour: the retries come from the retry schedule alone.
    await until('the third try', () => attempts.length === 3, 3000);
    await until('the move to cur/', () => list(dir, 'new').length === 0);
    const [first, second, third] = attempts as [number, number, number];
    assert.ok(second - first >= 140, `first wait ${second - first} ms`);
    assert.ok(third - second >= 290, `second wait ${third - second} ms, doubled`);
    assert.equal(received.length, 2);
    assert.deepEqual(
      { ...watcher.stats(), scans: 0 },
      {
        scans: 0,
        delivered: 2,
        failed: 2,
        waiting: 0,
        oversized: 0,
        errors: 0,
      },
    );
    assert.match(warnings[0]!, /could not store a message: left in new\//);
  });

  test('after a restart hands on only what was not stored before', async () => {
    const dir = maildir();
    const stored = deliver(dir, ARF);
    const refused = deliver(dir, ISO_2022_JP);
    const first = await start(dir, async (mail) => {
      if (mail.origin.endsWith(refused)) throw new Error('database unavailable');
    });
    await first.watcher.scan();
    await first.watcher.stop();

    const { received, sink } = collecting();
    const second = await start(dir, sink);
    await second.watcher.scan();
    assert.deepEqual(
      received.map((m) => m.origin),
      [join(dir, 'new', refused)],
    );
    assert.deepEqual(list(dir, 'cur'), [`${stored}:2,S`, `${refused}:2,S`]);
  });

  test('leaves a message over max_bytes in new/, reported once, not handed on', async () => {
    const dir = maildir();
    const big = deliver(dir, ARF);
    const small = deliver(dir, Buffer.from('Subject: short\r\n\r\nhi\r\n'));
    const { received, sink } = collecting();
    const { watcher, warnings } = await start(dir, sink, { max_bytes: 1000 });
    await watcher.scan();
    await watcher.scan();
    assert.deepEqual(
      received.map((m) => m.origin),
      [join(dir, 'new', small)],
    );
    assert.deepEqual(list(dir, 'new'), [big]);
    assert.equal(watcher.stats().oversized, 1);
    assert.equal(warnings.filter((w) => /over the size limit/.test(w)).length, 1);
  });

  test('a message stored but not moved is moved later, not handed on again', async () => {
    const dir = maildir();
    const { received, sink } = collecting();
    const { watcher, warnings } = await start(dir, sink, { watch: false });
    await watcher.scan();
    // cur/ replaced by a file: the rename fails (as it would on a full or read-only filesystem).
    rmSync(join(dir, 'cur'), { recursive: true });
    writeFileSync(join(dir, 'cur'), '');
    const name = deliver(dir, ARF);
    await watcher.scan();
    assert.equal(received.length, 1);
    assert.deepEqual(list(dir, 'new'), [name]);
    assert.match(warnings.join('\n'), /could not move it to cur\//);

    rmSync(join(dir, 'cur'));
    mkdirSync(join(dir, 'cur'));
    await watcher.scan();
    assert.equal(received.length, 1, 'not handed on twice');
    assert.deepEqual(list(dir, 'cur'), [`${name}:2,S`]);
  });

  test('stop() waits for the message being stored and hands on nothing after', async () => {
    const dir = maildir();
    deliver(dir, ARF);
    deliver(dir, UTF8);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const received: IncomingMail[] = [];
    const { watcher } = await start(dir, async (mail) => {
      received.push(mail);
      await held;
    });
    await until('the first message', () => received.length === 1);
    let stopped = false;
    const stopping = watcher.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(stopped, false);
    release();
    await stopping;
    assert.equal(received.length, 1);
    assert.equal(list(dir, 'new').length, 1, 'the second message waits for the next start');
    assert.equal(list(dir, 'cur').length, 1);
  });

  test('refuses a Maildir that does not exist, and creates the subfolders of one that does', async () => {
    await assert.rejects(
      watchMaildir(join(root, 'no-such-maildir'), async () => {}),
      /Maildir .*no-such-maildir does not exist/,
    );
    const dir = join(root, 'empty-maildir');
    mkdirSync(dir);
    const { watcher } = await start(dir, async () => {});
    await watcher.scan();
    assert.deepEqual(readdirSync(dir).sort(), ['cur', 'new', 'tmp']);
  });
});

test('curName adds the Seen flag to the flags a name may already carry', () => {
  assert.equal(curName('1749435271.V801I1a2bM100000.mx1'), '1749435271.V801I1a2bM100000.mx1:2,S');
  assert.equal(curName('1749435271.M1P2.mx1,S=2089:2,F'), '1749435271.M1P2.mx1,S=2089:2,FS');
  assert.equal(curName('1749435271.M1P2.mx1:2,ST'), '1749435271.M1P2.mx1:2,ST');
  assert.equal(curName('1749435271.M1P2.mx1:1,experimental'), '1749435271.M1P2.mx1:2,S');
});

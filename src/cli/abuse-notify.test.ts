import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { stringify } from 'yaml';
import { addEvents, addSubscriber, iso } from '../abuse/notices/notices.test-support.js';
import { loadConfig } from '../config/index.js';
import { migrate } from '../store/migrate.js';
import { openStore } from '../store/open.js';

// `mizugiwa abuse notify | notices | template` as an operator types them, run in this process against a
// config file, an embedded store and a local SMTP server standing in for the relay.

const run = promisify(execFile);
const RUNNER = new URL('./run-commands.test-support.ts', import.meta.url).pathname;

describe('mizugiwa abuse notify, notices and template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-notify-cli-'));
  const configFile = join(dir, 'mizugiwa.yaml');
  const mails: Buffer[] = [];
  let server: SMTPServer;

  /** Runs CLI commands in a child process (this one's stdout is the test runner's); their codes and output. */
  async function cli(...commands: string[][]): Promise<{ code: number; out: string; err: string }[]> {
    const env: NodeJS.ProcessEnv = { LANG: 'C.UTF-8' };
    for (const [k, v] of Object.entries(process.env))
      if (!k.startsWith('NODE_TEST') && !k.startsWith('MIZUGIWA_') && k !== 'LANG' && k !== 'LC_ALL') env[k] = v;
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', RUNNER, JSON.stringify(commands.map((c) => [...c, '-c', configFile]))],
      { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return JSON.parse(stdout) as { code: number; out: string; err: string }[];
  }

  const writeConfig = (smtpHost: string, port: number) =>
    writeFileSync(
      configFile,
      stringify({
        data_dir: join(dir, 'data'),
        abuse: {
          notices: {
            contact: {
              name_ja: 'みずぎわネット サポートセンター',
              phone: '0120-000-000',
              mail: 'support@isp.example.jp',
            },
            smtp: { host: smtpHost, port, from: 'abuse@isp.example.jp' },
          },
        },
      }),
    );

  before(async () => {
    server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, _session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => (mails.push(Buffer.concat(chunks)), done()));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    writeConfig('', 25);
    const store = await openStore(loadConfig({ file: configFile }).config);
    try {
      await migrate(store);
      await addSubscriber(store.db, 'C-1001', { name: '山田 太郎', email: 'taro@example.jp' });
      await addSubscriber(store.db, 'C-3003', { name: '佐藤 花子', email: null, phone: '03-0000-0003' });
      await addEvents(store.db, 'C-1001', [{ time: iso(Date.now() - 3_600_000), identifier: 'mirai' }]);
      await addEvents(store.db, 'C-3003', [{ time: iso(Date.now() - 3_600_000), type: 'vulnerable-system' }]);
    } finally {
      await store.close();
    }
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('notify --dry-run prints the digests; notify without a relay says how to set one', async () => {
    const [dry, refused] = await cli(['abuse', 'notify', '--dry-run'], ['abuse', 'notify']);
    assert.equal(dry!.code, 0, dry!.err);
    assert.match(dry!.out, /To: taro@example\.jp\nSubscriber: C-1001 \(ja\)/);
    assert.match(dry!.out, /Subject: 【重要】/);
    assert.match(dry!.out, /山田 太郎 様/);
    assert.match(dry!.out, /To: \(no e-mail address: CSV export\)\nSubscriber: C-3003/);
    assert.match(dry!.out, /dry run: 2 digests would go out \(1 to the CSV export\); nothing was sent or changed/);
    assert.equal(refused!.code, 1);
    assert.match(refused!.err, /abuse\.notices\.smtp\.host is not set/);
    assert.equal(mails.length, 0);
  });

  test('notify sends through the relay; notices lists it, and shows its text only with a purpose', async () => {
    writeConfig('127.0.0.1', (server.server.address() as AddressInfo).port);
    const [sent, list, bare, full, wrong] = await cli(
      ['abuse', 'notify'],
      ['abuse', 'notices', '--status', 'sent', '--json'],
      ['abuse', 'notices', 'show', '1'],
      ['abuse', 'notices', 'show', '1', '--purpose', 'abuse-notice', '--reference', 'test'],
      ['abuse', 'notices', '--status', 'lost'],
    );
    assert.equal(sent!.code, 0, sent!.err);
    assert.match(sent!.out, /^1 sent, 0 failed/);
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.toString('latin1'), /^To: taro@example\.jp/m);
    assert.equal(list!.code, 0, list!.err);
    const notices = list!.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; subscriberId: string });
    assert.deepEqual(
      notices.map((n) => [n.id, n.subscriberId]),
      [[1, 'C-1001']],
    );
    assert.match(bare!.out, /status: sent/, JSON.stringify(bare));
    assert.doesNotMatch(bare!.out, /山田/);
    assert.match(full!.out, /recipient: taro@example\.jp/);
    assert.match(full!.out, /山田 太郎 様/);
    assert.equal(wrong!.code, 1);
  });

  test('notices export writes the CSV for subscribers without e-mail, once, readable by the owner only', async () => {
    const file = join(dir, 'follow-up.csv');
    const second = join(dir, 'again.csv');
    const [first, again, next] = await cli(
      ['abuse', 'notices', 'export', file],
      ['abuse', 'notices', 'export', file],
      ['abuse', 'notices', 'export', second],
    );
    assert.equal(first!.code, 0, first!.err);
    assert.match(first!.out, /1 subscribers, 1 cases/, JSON.stringify(first));
    assert.match(readFileSync(file, 'utf8'), /^\uFEFFsubscriber_id,.*\r\nC-3003,佐藤 花子,,03-0000-0003,/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(again!.code, 1, 'an existing file is not overwritten');
    assert.match(next!.out, /0 subscribers, 0 cases/);
    assert.ok(existsSync(second));
  });

  test('template list, show, set, preview and revert', async () => {
    const draft = join(dir, 'draft.mustache');
    writeFileSync(
      draft,
      '---\ntitle: 感染のお知らせ\n---\n■ {{heading}}\n{{#events}}\n・{{time}} {{address}}\n{{/events}}\n',
    );
    const bad = join(dir, 'bad.mustache');
    writeFileSync(bad, '---\ntitle: x\n---\n{{#events}}\n');
    const [list, show, generic, preview, set, listed, refused, revert, reverted] = await cli(
      ['abuse', 'template', 'list'],
      ['abuse', 'template', 'show', 'copyright', '--locale', 'en'],
      ['abuse', 'template', 'show', 'data-leak'],
      ['abuse', 'template', 'preview', 'infected-system', '--case', '1', '--file', draft],
      ['abuse', 'template', 'set', 'infected-system', draft, '--locale', 'ja'],
      ['abuse', 'template', 'list'],
      ['abuse', 'template', 'set', 'spam', bad, '--locale', 'ja'],
      ['abuse', 'template', 'revert', 'infected-system', '--locale', 'ja'],
      ['abuse', 'template', 'list'],
    );
    assert.match(list!.out, /^copyright +ja +yes +no/m);
    assert.match(show!.out, /^---\ntitle: A notice about sharing a copyrighted work\n---\n/);
    assert.match(generic!.err, /data-leak has no template of its own; notices use generic/);
    assert.equal(preview!.code, 0, preview!.err);
    assert.match(preview!.out, /^Subject: 【重要】/);
    assert.match(preview!.out, /■ 感染のお知らせ\n・\d{4}年/);
    assert.equal(set!.code, 0, set!.err);
    assert.match(listed!.out, /^infected-system +ja +yes +yes +cli:/m);
    assert.equal(refused!.code, 1);
    assert.match(refused!.err, /cannot be used: body: Unclosed section "events"/);
    assert.equal(revert!.code, 0, revert!.err);
    assert.match(reverted!.out, /^infected-system +ja +yes +no/m);
  });
});

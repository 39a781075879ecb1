// The attribution commands as an operator runs them: import the billing export and a lease log,
// ask who held an address (with a purpose), and find the look-up in the audit trail.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/serve.js';

const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-attribute-cli-'));
after(() => rmSync(cwd, { recursive: true, force: true }));
const cli = (args: string[]) => runCli(args, { cwd });

describe('mizugiwa attribute and subscribers', () => {
  test('imports, looks up with a purpose, refuses without one, and records the look-up', () => {
    const subscribers = join(cwd, 'customers.csv');
    writeFileSync(
      subscribers,
      '加入者ID,氏名,フリガナ,メールアドレス,電話番号,RADIUSユーザー名\nC-7,佐藤 花子,サトウ ハナコ,hanako@example.jp,03-0000-0007,hanako@isp\nC-8,,,bad,,\n',
    );
    const imported = cli(['subscribers', 'import', subscribers, '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual(
      { ...JSON.parse(imported.stdout), seconds: 0, file: '' },
      { file: '', imported: 1, rejected: 1, seconds: 0 },
    );

    const leases = join(cwd, 'static.csv');
    writeFileSync(
      leases,
      'prefix,subscriber_id,since\n192.0.2.0/29,C-7,2026-01-01T00:00:00+09:00\n2001:db8:7::/48,C-7,2026-01-01T00:00:00+09:00\n',
    );
    const imp = cli(['attribute', 'import', leases, '--format', 'static-csv', '--source', 'business', '--json']);
    assert.equal(imp.code, 0, imp.stderr);
    assert.equal(JSON.parse(imp.stdout).events, 2);
    // The same file again adds nothing.
    assert.equal(
      JSON.parse(
        cli(['attribute', 'import', leases, '--format', 'static-csv', '--source', 'business', '--json']).stdout,
      ).events,
      0,
    );

    const refused = cli(['attribute', 'who', '192.0.2.5', '--at', '2026-11-24T10:00:00+09:00']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /purpose/);

    const who = cli([
      'attribute',
      'who',
      '[2001:db8:7::99]:443',
      '--at',
      '2026-11-24T10:00:00+09:00',
      '--purpose',
      'customer-request',
      '--reference',
      'TICKET-7',
      '--json',
    ]);
    assert.equal(who.code, 0, who.stderr);
    const answer = JSON.parse(who.stdout);
    assert.equal(answer.port, 443);
    assert.equal(answer.candidates.length, 1);
    assert.equal(answer.candidates[0].subscriber.name, '佐藤 花子');
    assert.equal(answer.candidates[0].subscriber.nameKana, 'サトウ ハナコ');

    const text = cli([
      'attribute',
      'who',
      '192.0.2.5',
      '--at',
      '2026-11-24T10:00:00+09:00',
      '--purpose',
      'abuse-notice',
    ]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /C-7 佐藤 花子 <hanako@example\.jp>/);
    const nobody = cli([
      'attribute',
      'who',
      '192.0.2.9',
      '--at',
      '2026-11-24T10:00:00+09:00',
      '--purpose',
      'abuse-notice',
    ]);
    assert.match(nobody.stdout, /no one held it/);

    const audit = cli(['audit', 'list', '--action', 'attribution.lookup', '--json'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(audit.length, 3);
    assert.equal(audit.at(-1).purpose, 'customer-request: TICKET-7');

    const status = JSON.parse(cli(['attribute', 'status', '--json']).stdout);
    assert.deepEqual(status.sources.find((s: { source: string }) => s.source === 'business')?.open, 2);
  });
});

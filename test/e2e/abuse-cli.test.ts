// The abuse desk's intake as an operator runs it from the shell: each kind of report is recognised
// from its content, the same file twice is one report, a broken file imports what it can and files the
// rest as dead letters, and a CSV list goes through a saved column mapping.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/serve.js';

const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-abuse-cli-'));
after(() => rmSync(cwd, { recursive: true, force: true }));
const cli = (args: string[]) => runCli(args, { cwd });
const fixtures = join(import.meta.dirname, '../../src/abuse/formats/fixtures');

type Outcome = {
  reportId: number;
  duplicate: boolean;
  format: string;
  state: string;
  events: number;
  rejected: number;
  suggestions: number;
};
const importFile = (file: string, ...extra: string[]): Outcome => {
  const r = cli(['abuse', 'import', file, '--json', ...extra]);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return JSON.parse(r.stdout) as Outcome;
};

describe('mizugiwa abuse import', () => {
  test('recognises each format from its content and parses it into events', () => {
    const cases: [string, string, Partial<Outcome>][] = [
      ['arf/abuse-standard.eml', 'arf', { events: 1, state: 'parsed' }],
      ['xarf/v4-connection-login-attack.json', 'xarf', { events: 1, state: 'parsed' }],
      ['xarf/v3-login-attack.eml', 'xarf', { events: 1 }],
      ['acns/bittorrent-plain.eml', 'acns', { events: 1, state: 'parsed' }],
      ['shadowserver/2026-11-20-scan_ssh-asn64500-jp.csv', 'shadowserver', { state: 'parsed' }],
      ['free-text/partner-prose.eml', 'mail', { events: 0, state: 'triage' }],
    ];
    for (const [file, format, expected] of cases) {
      const out = importFile(join(fixtures, file));
      assert.equal(out.format, format, file);
      assert.equal(out.duplicate, false, file);
      for (const [k, v] of Object.entries(expected)) assert.equal(out[k as keyof Outcome], v, `${file}: ${k}`);
      if (format === 'shadowserver') assert.ok(out.events > 0, file);
      if (format === 'mail') assert.ok(out.suggestions > 0, file);
    }
    const listed = cli(['abuse', 'reports', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, cases.length);
  });

  test('the same bytes twice are one report, whatever the file is called', () => {
    const copy = join(cwd, 'forwarded-again.eml');
    copyFileSync(join(fixtures, 'arf/fraud.eml'), copy);
    const first = importFile(join(fixtures, 'arf/fraud.eml'));
    const again = importFile(copy);
    assert.equal(first.duplicate, false);
    assert.equal(again.duplicate, true);
    assert.equal(again.reportId, first.reportId);
  });

  test('a broken Shadowserver file imports its good rows and files the bad ones as dead letters', () => {
    const out = importFile(join(fixtures, 'shadowserver/2026-11-20-event4_sinkhole-asn64500-broken.csv'));
    assert.equal(out.state, 'partial');
    assert.ok(out.events > 0 && out.rejected > 0, JSON.stringify(out));
    const letters = cli(['deadletter', 'list', '--json']);
    assert.equal(letters.code, 0, letters.stderr);
    const mine = letters.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { source: string; format: string })
      .filter((l) => l.source === `abuse-report:${out.reportId}`);
    assert.equal(mine.length, out.rejected);
    assert.ok(mine.every((l) => l.format === 'abuse:shadowserver'));
  });

  test('a CSV list needs a saved mapping, and reads through it', () => {
    const list = join(fixtures, 'csv-mapping/nict-notice.csv');
    const refused = cli(['abuse', 'import', list, '--format', 'csv']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /--mapping/);
    const unknown = cli(['abuse', 'import', list, '--format', 'csv', '--mapping', 'nict']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /mapping save nict/);

    const bad = join(cwd, 'bad-mapping.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', columns: {} }));
    const rejected = cli(['abuse', 'mapping', 'save', 'broken', bad]);
    assert.notEqual(rejected.code, 0);
    assert.match(rejected.stderr, /not valid/);

    const saved = cli(['abuse', 'mapping', 'save', 'nict', join(fixtures, 'csv-mapping/nict-notice.mapping.json')]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(cli(['abuse', 'mapping', 'list']).stdout, /nict/);
    const out = importFile(list, '--format', 'csv', '--mapping', 'nict');
    assert.equal(out.format, 'csv');
    const rows = readFileSync(list).toString('latin1').trim().split(/\r?\n/).length;
    assert.ok(out.events > 0 && out.events + out.rejected <= rows, JSON.stringify(out));
  });

  test('events of subscribers the lease data names become cases, which the desk can move', () => {
    const subscribers = join(cwd, 'customers.csv');
    writeFileSync(subscribers, 'id,name,email,radius_user\nC-23,Sato,sato@example.jp,sato@isp\n');
    assert.equal(cli(['subscribers', 'import', subscribers]).code, 0);
    const leases = join(cwd, 'static.csv');
    writeFileSync(leases, 'prefix,subscriber_id,since\n198.51.100.16/28,C-23,2026-01-01T00:00:00Z\n');
    const imp = cli(['attribute', 'import', leases, '--format', 'static-csv', '--source', 'business']);
    assert.equal(imp.code, 0, imp.stderr);

    const out = importFile(join(fixtures, 'shadowserver/2026-11-20-event4_sinkhole-asn64500-jp.csv')) as Outcome & {
      attribution: { attributed: number; unassigned: number; casesOpened: number };
    };
    assert.ok(out.attribution.attributed >= 1, JSON.stringify(out));
    assert.equal(out.attribution.casesOpened, 1);
    const listed = cli(['abuse', 'cases', '--subscriber', 'C-23', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const [kase] = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: number; type: string; state: string });
    assert.equal(kase!.type, 'infected-system');
    assert.equal(kase!.state, 'new');
    const refused = cli(['abuse', 'case', 'move', String(kase!.id), 'reminded', '--reason', 'skip ahead']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /can become: notified/);
    const walled = cli(['abuse', 'case', 'move', String(kase!.id), 'restricted', '--reason', 'by hand']);
    assert.notEqual(walled.code, 0);
    assert.match(walled.stderr, /abuse restrict/);
    const moved = cli(['abuse', 'case', 'move', String(kase!.id), 'notified', '--reason', 'called the subscriber']);
    assert.equal(moved.code, 0, moved.stderr);
    const shown = cli(['abuse', 'case', 'show', String(kase!.id)]);
    assert.match(shown.stdout, /new → notified by cli:.*called the subscriber/);
    assert.match(shown.stdout, /event4_sinkhole from shadowserver: 198\.51\.100\.23/);
  });

  test('a file of no known kind is kept as unreadable with a hint, and the command fails', () => {
    const odd = join(cwd, 'odd.bin');
    writeFileSync(odd, 'just,some,columns\n1,2,3\n');
    const r = cli(['abuse', 'import', odd, '--json']);
    assert.equal(r.code, 1);
    assert.equal((JSON.parse(r.stdout) as Outcome).state, 'unreadable');
  });
});

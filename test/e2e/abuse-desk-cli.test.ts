// The desk from the shell: the unassigned queue (events no subscriber could be found for, with the
// reason), the second look-up once the lease data that was missing has been imported, and imports
// read with the operator's Shadowserver schema file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/serve.js';

const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-abuse-unassigned-'));
after(() => rmSync(cwd, { recursive: true, force: true }));
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd, env });
const shadowserver = join(import.meta.dirname, '../../src/abuse/formats/fixtures/shadowserver');
const sinkhole = join(shadowserver, '2026-11-20-event4_sinkhole-asn64500-jp.csv');

type Queue = {
  reasons: { reason: string; count: number }[];
  events: { source: { address: string }; unassignedReason: string; state: string }[];
};

describe('mizugiwa abuse unassigned | attribute', () => {
  test('events imported before their lease data wait with the reason, and are attributed on a retry', () => {
    const imported = cli(['abuse', 'import', sinkhole, '--json']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(JSON.parse(imported.stdout).attribution.unassigned, 3);

    const queue = cli(['abuse', 'unassigned', '--json']);
    assert.equal(queue.code, 0, queue.stderr);
    const q = JSON.parse(queue.stdout) as Queue;
    assert.deepEqual(
      q.reasons.map((r) => [r.reason, r.count]),
      [['no-lease', 3]],
    );
    assert.deepEqual(q.events.map((e) => e.source.address).sort(), ['198.51.100.23', '198.51.100.23', '203.0.113.140']);
    const table = cli(['abuse', 'unassigned', '--reason', 'no-lease']);
    assert.match(table.stdout, /^reason\s+count\s+firstReceivedAt/m);
    assert.match(table.stdout, /infected-system\s+203\.0\.113\.140\s+61022\s+no-lease\s+-\s+1$/m);
    assert.equal(cli(['abuse', 'unassigned', '--reason', 'outside-prefixes', '--json']).code, 0);

    writeFileSync(join(cwd, 'customers.csv'), 'id,name,email,radius_user\nC-23,Sato,sato@example.jp,sato@isp\n');
    assert.equal(cli(['subscribers', 'import', 'customers.csv']).code, 0);
    writeFileSync(join(cwd, 'static.csv'), 'prefix,subscriber_id,since\n198.51.100.16/28,C-23,2026-01-01T00:00:00Z\n');
    const leases = cli(['attribute', 'import', 'static.csv', '--format', 'static-csv', '--source', 'business']);
    assert.equal(leases.code, 0, leases.stderr);

    const plain = cli(['abuse', 'attribute', '--json']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(JSON.parse(plain.stdout), { retried: 0, attributed: 0, unassigned: 0, casesOpened: 0 });
    const retried = cli(['abuse', 'attribute', '--retry-unassigned', '--reason', 'no-lease', '--json']);
    assert.equal(retried.code, 0, retried.stderr);
    assert.deepEqual(JSON.parse(retried.stdout), { retried: 3, attributed: 2, unassigned: 1, casesOpened: 1 });

    const after = JSON.parse(cli(['abuse', 'unassigned', '--json']).stdout) as Queue;
    assert.deepEqual(
      after.reasons.map((r) => [r.reason, r.count]),
      [['no-lease', 1]],
    );
    const cases = cli(['abuse', 'cases', '--subscriber', 'C-23', '--json']);
    assert.match(cases.stdout, /"type":"infected-system".*"eventCount":2/);
    const said = cli(['abuse', 'attribute', '--retry-unassigned'], { LANG: 'ja_JP.UTF-8' });
    assert.match(said.stdout, /未割り当て 1 件を再照会。加入者に割り当て 0 件（新規ケース 0 件）、未割り当て 1 件/);
  });

  test('a reason that does not exist, or --reason without --retry-unassigned, is refused with the list', () => {
    const bad = cli(['abuse', 'unassigned', '--reason', 'no-idea']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--reason: expected one of no-address, outside-prefixes, no-lease, ambiguous/);
    const alone = cli(['abuse', 'attribute', '--reason', 'no-lease']);
    assert.notEqual(alone.code, 0);
    assert.match(alone.stderr, /--reason goes with --retry-unassigned/);
  });
});

describe('mizugiwa abuse import with abuse.shadowserver_schema', () => {
  test("a report type the operator's schema file adds is classified by it, not flagged for review", () => {
    const dir = mkdtempSync(join(tmpdir(), 'mizugiwa-abuse-schema-cli-'));
    try {
      const rtsp = join(shadowserver, '2026-11-20-scan_rtsp-asn64500-jp.csv');
      const bundledOnly = runCli(['abuse', 'import', rtsp, '--json'], { cwd: dir });
      assert.equal(bundledOnly.code, 0, bundledOnly.stderr);
      const types = (cwd: string) =>
        (
          JSON.parse(runCli(['abuse', 'unassigned', '--json'], { cwd }).stdout) as { events: { type: string }[] }
        ).events.map((e) => e.type);
      const generic = types(dir);
      assert.ok(generic.length > 0 && !generic.includes('potentially-unwanted-accessible'), generic.join());

      const withSchema = mkdtempSync(join(tmpdir(), 'mizugiwa-abuse-schema-cli-'));
      try {
        writeFileSync(
          join(withSchema, 'mizugiwa.yaml'),
          `abuse:\n  shadowserver_schema: ${join(shadowserver, 'custom-schema.json')}\n`,
        );
        const read = runCli(['abuse', 'import', rtsp, '--json'], { cwd: withSchema });
        assert.equal(read.code, 0, read.stderr);
        const classified = types(withSchema);
        assert.ok(
          classified.length > 0 && classified.every((t) => t === 'potentially-unwanted-accessible'),
          classified.join(),
        );
      } finally {
        rmSync(withSchema, { recursive: true, force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The Shadowserver test at its size: a 100,000-row report imports whole; a copy of a report type
// Mizugiwa does not know is still read (generically) and every event flagged for review; a truncated copy
// files its broken tail as a dead letter and imports the rest.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { EVENT4_SINKHOLE_HEADER } from '../../bench/gen/shadowserver-csv.js';
import { runCli } from '../support/serve.js';

const ROWS = 100_000;
const cwd = mkdtempSync(join(tmpdir(), 'mizugiwa-abuse-100k-'));
after(() => rmSync(cwd, { recursive: true, force: true }));
const cli = (args: string[]) => runCli(args, { cwd });

type Outcome = { reportId: number; format: string; state: string; events: number; rejected: number };

/** Rows shaped like the real report: text quoted, numbers bare, empty cells empty, LF line ends. */
function report(rows: number, salt: number): string {
  const lines = [EVENT4_SINKHOLE_HEADER.map((h) => `"${h}"`).join(',')];
  for (let i = 0; i < rows; i++) {
    const second = Math.floor((i * 86_399) / rows);
    const time = new Date(Date.UTC(2026, 10, 20) + second * 1000).toISOString().replace('T', ' ').slice(0, 19);
    const cells = EVENT4_SINKHOLE_HEADER.map((h) => {
      switch (h) {
        case 'timestamp':
          return `"${time}"`;
        case 'protocol':
          return '"tcp"';
        case 'src_ip':
          return `"203.0.113.${(i + salt) % 254}"`;
        case 'src_port':
          return String(1024 + (i % 60000));
        case 'src_asn':
          return '64500';
        case 'dst_ip':
          return '"192.0.2.80"';
        case 'dst_port':
          return '80';
        case 'infection':
          return '"mirai"';
        case 'severity':
          return '"critical"';
        default:
          return '';
      }
    });
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

function importFile(file: string): Outcome {
  const r = cli(['abuse', 'import', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Outcome;
}

describe('a 100,000-row Shadowserver report', () => {
  const whole = report(ROWS, 0);

  test('imports every row', () => {
    const file = join(cwd, '2026-11-20-event4_sinkhole-asn64500-jp.csv');
    writeFileSync(file, whole);
    const out = importFile(file);
    assert.deepEqual([out.format, out.state, out.events, out.rejected], ['shadowserver', 'parsed', ROWS, 0]);
  });

  test('a report type not in the schema is read generically, every event flagged for review', () => {
    const file = join(cwd, '2026-11-20-event4_sinkhole_newkind-asn64500-jp.csv');
    writeFileSync(file, report(1000, 7));
    const out = importFile(file);
    assert.deepEqual([out.format, out.events, out.rejected], ['shadowserver', 1000, 0]);
    const db = new Database(join(cwd, 'data', 'mizugiwa.db'), { readonly: true });
    try {
      const rows = db
        .prepare('select type, needs_review, report_type from abuse_events where report_id = ?')
        .all(out.reportId) as { type: string; needs_review: number; report_type: string }[];
      assert.equal(rows.length, 1000);
      assert.ok(rows.every((r) => r.needs_review === 1 && r.type === 'undetermined'));
      assert.ok(rows.every((r) => r.report_type === 'event4_sinkhole_newkind'));
    } finally {
      db.close();
    }
  });

  test('a truncated copy imports its complete rows and files the cut one as a dead letter', () => {
    const file = join(cwd, '2026-11-21-event4_sinkhole-asn64500-jp.csv');
    const text = report(ROWS, 3);
    const cut = text.slice(0, Math.floor(text.length * 0.6));
    // The cut falls inside a row (no final newline): that row is broken, every row before it whole.
    assert.ok(!cut.endsWith('\n'));
    writeFileSync(file, cut);
    const complete = cut.split('\n').length - 2; // minus the header and the broken last line
    const out = importFile(file);
    assert.equal(out.state, 'partial');
    assert.equal(out.events, complete);
    assert.equal(out.rejected, 1);
    const letters = cli(['deadletter', 'list', '--json']);
    const mine = letters.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { source: string; position: string })
      .filter((l) => l.source === `abuse-report:${out.reportId}`);
    assert.equal(mine.length, 1);
    assert.match(mine[0]!.position, new RegExp(`:${complete + 2}$`));
  });
});

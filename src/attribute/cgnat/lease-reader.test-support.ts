// What the CGNAT and static lease format tests share: the context fixtures are read in, fixture lines, feeding
// a reader a whole file, and the damage test (every truncation and seeded random edits of every fixture line:
// the reader never throws and never hands on a malformed event).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { LeaseEvent, LeaseRecord } from '../../domain/lease.js';
import { normaliseCidr } from '../../net/cidr.js';
import { normaliseIp } from '../../net/ip.js';
import { localTimeIn } from '../../observe/local-time.js';
import { mutations, truncations } from '../../observe/line-mutations.test-support.js';
import type { LeaseContext, LeaseFormat } from '../lease-format.js';

/** The fixtures are written as a Tokyo collector would have filed them on 24–25 November 2026. */
export const ctx: LeaseContext = { now: Date.UTC(2026, 10, 25, 3, 0, 0), localTime: localTimeIn('Asia/Tokyo') };

/** The lines of a file under `dir`/fixtures/, without the final empty one. */
export function fixtureLines(dir: URL, name: string): string[] {
  const text = readFileSync(new URL(`./fixtures/${name}`, dir), 'utf8');
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}

/** Every record of `lines` fed in order to one reader, ended. */
export function readAll(format: LeaseFormat, lines: readonly string[]): LeaseRecord[] {
  const reader = format.reader(ctx);
  const out = lines.flatMap((text, i) => reader.line(text, i + 1));
  return [...out, ...reader.end()];
}

/** The records each line gives on its own, so a test can say which line gave what. */
export function perLine(format: LeaseFormat, lines: readonly string[]): LeaseRecord[][] {
  const reader = format.reader(ctx);
  return lines.map((text, i) => reader.line(text, i + 1));
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** An event's interesting part, with its time in ISO form, for compact expectations. */
export function brief(record: LeaseRecord | undefined): Record<string, unknown> | undefined {
  if (record === undefined) return undefined;
  if (record.action === 'rejected' || record.action === 'reset') return { action: record.action };
  const { session, action, at, address, ports, inside, subscriberKey } = record;
  const out: Record<string, unknown> = { session, action, at: iso(at), address };
  if (ports !== undefined) out.ports = ports;
  if (inside !== undefined) out.inside = inside;
  if (subscriberKey !== undefined) out.subscriberKey = subscriberKey;
  return out;
}

const canonical = (address: string) => {
  const r = address.includes('/') ? normaliseCidr(address) : normaliseIp(address);
  return r.ok ? r.indicator.value : undefined;
};

function assertWellFormed(record: LeaseRecord, damaged: string, line: number): void {
  const where = JSON.stringify(damaged);
  if (record.action === 'rejected') {
    assert.ok(record.reason.length > 0, `an empty reason for ${where}`);
    assert.equal(record.evidence, `line ${line}`, where);
    return;
  }
  assert.notEqual(record.action, 'reset', where);
  const event = record as LeaseEvent;
  assert.ok(event.session.length > 0, `empty session for ${where}`);
  assert.ok(Number.isFinite(event.at) && event.at >= 0, `time ${event.at} for ${where}`);
  assert.equal(canonical(event.address), event.address, `address "${event.address}" for ${where}`);
  if (event.inside !== undefined) assert.equal(canonical(event.inside), event.inside, `inside for ${where}`);
  if (event.ports !== undefined) {
    const [first, last] = event.ports;
    assert.ok(Number.isInteger(first) && Number.isInteger(last), where);
    assert.ok(first >= 0 && first <= last && last <= 65535, `ports ${first}-${last} for ${where}`);
  }
  assert.equal(event.evidence, `line ${line}`, where);
}

/**
 * Feeds every truncation of every line and `rounds` random edits (from an alphabet of the format's delimiters)
 * to fresh readers: nothing throws, and whatever comes back is a well-formed event or a rejection with a reason.
 */
export function assertSurvivesDamage(format: LeaseFormat, lines: readonly string[], alphabet: string, rounds = 3000) {
  const damaged = [...truncations(lines), ...mutations(lines, { seed: 7, rounds, alphabet })];
  for (const text of damaged) {
    const reader = format.reader(ctx);
    let records: LeaseRecord[];
    try {
      records = [...reader.line(text, 1), ...reader.end()];
    } catch (error) {
      assert.fail(`threw ${String(error)} on ${JSON.stringify(text)}`);
    }
    for (const record of records) assertWellFormed(record, text, 1);
  }
}

// What the DHCP lease format tests share: the context they read in, fixture lines, a whole-file read, and
// the damage tests (every record well-formed, nothing thrown). For tests only; not named *.test.ts, so the
// test runner does not run it on its own.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { LeaseEvent, LeaseRecord } from '../../domain/lease.js';
import { normaliseCidr } from '../../net/cidr.js';
import { normaliseIp } from '../../net/ip.js';
import { localTimeIn } from '../../observe/local-time.js';
import { mutations, prng, truncations } from '../../observe/line-mutations.test-support.js';
import type { LeaseContext, LeaseFormat } from '../lease-format.js';

/** The recordings were made on 2026-11-24/25 (UTC); local stamps are read as Tokyo time. */
export const ctx: LeaseContext = { now: Date.UTC(2026, 10, 25, 0, 0, 0), localTime: localTimeIn('Asia/Tokyo') };

/** ms since the epoch of an ISO 8601 time (with its zone). */
export const t = (iso: string): number => Date.parse(iso);

/** The lines of a file under ./fixtures/, without the empty one after the last end-of-line. */
export function fixtureLines(name: string): string[] {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Everything one reader makes of `lines`, end of input included. */
export function readAll(format: LeaseFormat, lines: readonly string[], context: LeaseContext = ctx): LeaseRecord[] {
  const reader = format.reader(context);
  const records = lines.flatMap((line, i) => reader.line(line, i + 1));
  return [...records, ...reader.end()];
}

/** The records of `lines` that are events, asserting there is no other kind. */
export function readEvents(format: LeaseFormat, lines: readonly string[], context: LeaseContext = ctx): LeaseEvent[] {
  return readAll(format, lines, context).map((record) => {
    assert.ok(record.action !== 'rejected' && record.action !== 'reset', `unexpected ${JSON.stringify(record)}`);
    return record;
  });
}

/** The reason of the one rejection `lines` give (and that there is exactly one). */
export function rejectionOf(format: LeaseFormat, lines: readonly string[]): string {
  const rejected = readAll(format, lines).filter((r) => r.action === 'rejected');
  assert.equal(rejected.length, 1, `one rejection expected: ${JSON.stringify(rejected)}`);
  return (rejected[0] as Extract<LeaseRecord, { action: 'rejected' }>).reason;
}

/** A record a reader must never produce, whatever its input: what is wrong with it, or undefined. */
function malformed(record: LeaseRecord): string | undefined {
  if (!/^line \d+$/.test(record.evidence)) return `evidence "${record.evidence}"`;
  if (record.action === 'rejected') return record.reason.length > 0 ? undefined : 'an empty reason';
  if (record.action === 'reset') return 'a reset from a DHCP format';
  if (!['start', 'update', 'stop'].includes(record.action)) return `action ${String(record.action)}`;
  if (record.session.length === 0) return 'an empty session';
  if (!Number.isFinite(record.at)) return `at ${record.at}`;
  if (record.expiresAt !== undefined && !Number.isFinite(record.expiresAt)) return `expiresAt ${record.expiresAt}`;
  if (record.startedAt !== undefined && !Number.isFinite(record.startedAt)) return `startedAt ${record.startedAt}`;
  const canonical = record.address.includes('/') ? normaliseCidr(record.address) : normaliseIp(record.address);
  if (!canonical.ok || canonical.indicator.value !== record.address) return `address "${record.address}"`;
  if (record.subscriberKey === '' || (record.subscriberKey !== undefined) !== (record.keyKind !== undefined))
    return `subscriberKey "${record.subscriberKey}" of kind ${record.keyKind}`;
  for (const [key, value] of Object.entries(record.detail ?? {}))
    if (typeof value !== 'string') return `detail ${key} = ${String(value)}`;
  return undefined;
}

function checkedRead(format: LeaseFormat, lines: Iterable<string>): void {
  const reader = format.reader(ctx);
  let n = 0;
  const check = (produce: () => LeaseRecord[], input: string) => {
    let records: LeaseRecord[];
    try {
      records = produce();
    } catch (error) {
      assert.fail(`threw ${String(error)} on ${JSON.stringify(input)}`);
    }
    for (const record of records) {
      const problem = malformed(record);
      assert.equal(problem, undefined, `${problem} from ${JSON.stringify(input)}: ${JSON.stringify(record)}`);
    }
  };
  for (const line of lines) check(() => reader.line(line, ++n), line);
  check(() => reader.end(), '(end of input)');
  const pending = reader.pendingFrom();
  assert.equal(pending, undefined, 'still pending after end()');
}

/**
 * Damaged input never makes `format` throw or return a malformed record: every truncation and `rounds` random
 * edits of the lines, fed in a row to one reader (so a damaged line also meets the state the ones before it
 * left), then whole files with one line damaged, each to a fresh reader.
 */
export function assertSurvivesDamage(
  format: LeaseFormat,
  lines: readonly string[],
  options: { seed: number; rounds: number; alphabet: string },
): void {
  checkedRead(format, truncations(lines));
  checkedRead(format, mutations(lines, options));
  const random = prng(options.seed + 1);
  const damaged = [...mutations(lines, { ...options, rounds: Math.ceil(options.rounds / 20) })];
  for (const replacement of damaged) {
    const copy = [...lines];
    copy[random(copy.length)] = replacement;
    checkedRead(format, copy);
  }
}

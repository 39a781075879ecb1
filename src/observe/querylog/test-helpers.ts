// What the resolver log tests share: the context they parse in, fixture lines, a compact way to write an
// expected Observation, and the fuzzing that checks a parser never throws. For tests only; not named *.test.ts,
// so the test runner does not run it on its own.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Observation } from '../../domain/observation.js';
import type { LineContext, LineFormat } from '../line-format.js';
import { localTimeIn } from '../local-time.js';

/**
 * The fixtures were written by named and unbound running with TZ=Asia/Tokyo on 2026-11-25 (local), so local
 * stamps are read in that zone; `now` is what a line without any stamp gets.
 */
export const ctx: LineContext = { now: Date.UTC(2026, 10, 25, 12), localTime: localTimeIn('Asia/Tokyo') };

/** The lines of a file under ./fixtures/, without the final empty one. */
export function fixtureLines(name: string): string[] {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}

/** An expected dns Observation; `time` in ISO form, fields left out when undefined. */
export function seen(
  time: string,
  client: string,
  clientPort: number | undefined,
  domain: string,
  detail: string,
  blocked?: boolean,
): Observation {
  const observation: Observation = { time: Date.parse(time), point: 'dns', client };
  if (clientPort !== undefined) observation.clientPort = clientPort;
  observation.domain = domain;
  observation.detail = detail;
  if (blocked !== undefined) observation.blocked = blocked;
  return observation;
}

/** Parses every line, asserting (with the line in the message) that each gives what `expected` says. */
export function assertLines(format: LineFormat, lines: string[], expected: (Observation | null)[]): void {
  assert.equal(lines.length, expected.length, 'one expectation per fixture line');
  lines.forEach((line, i) => assert.deepEqual(format.parseLine(line, ctx), expected[i], `line ${i + 1}: ${line}`));
}

/** The observations of `lines`, leaving out the lines that are none. */
export function observations(format: LineFormat, lines: string[]): Observation[] {
  const out: Observation[] = [];
  for (const line of lines) {
    const result = format.parseLine(line, ctx);
    assert.notEqual(typeof result, 'string', `not a dead letter: ${line}`);
    if (result !== null && typeof result !== 'string') out.push(result);
  }
  return out;
}

/** mulberry32: a small seeded generator, so that a fuzz failure can be reproduced. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Characters that matter to the readers (separators, digits, brackets) and some that should not be there. */
const NOISE = [
  ' ',
  ':',
  '#',
  '@',
  '/',
  '.',
  '[',
  ']',
  '(',
  ')',
  '-',
  '0',
  '9',
  'a',
  'Z',
  '%',
  '\t',
  '\0',
  'é',
  '\u{1F600}',
];

/** `count` damaged copies of `line`: cut short, a character replaced, removed or doubled, a piece repeated. */
export function mutations(line: string, count: number, seed: number): string[] {
  const next = random(seed);
  const at = () => Math.floor(next() * (line.length + 1));
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = at();
    const noise = NOISE[Math.floor(next() * NOISE.length)]!;
    switch (i % 5) {
      case 0:
        out.push(line.slice(0, p));
        break;
      case 1:
        out.push(line.slice(0, p) + noise + line.slice(p + 1));
        break;
      case 2:
        out.push(line.slice(0, p) + line.slice(p + 1));
        break;
      case 3:
        out.push(line.slice(0, p) + noise + line.slice(p));
        break;
      default:
        out.push(line.slice(0, p) + line.slice(at()) + line.slice(p));
    }
  }
  return out;
}

/** Asserts that `format` neither throws nor returns a malformed Observation for damaged copies of `lines`. */
export function assertSurvivesDamage(format: LineFormat, lines: string[], perLine = 200): void {
  lines.forEach((line, i) => {
    for (const damaged of mutations(line, perLine, i + 1)) {
      let result: ReturnType<LineFormat['parseLine']>;
      try {
        result = format.parseLine(damaged, ctx);
      } catch (error) {
        assert.fail(`threw ${String(error)} on ${JSON.stringify(damaged)}`);
      }
      if (result === null) continue;
      if (typeof result === 'string') {
        assert.ok(result.length > 0, `an empty reason for ${JSON.stringify(damaged)}`);
        continue;
      }
      const where = JSON.stringify(damaged);
      assert.ok(Number.isFinite(result.time), `time ${result.time} for ${where}`);
      assert.equal(result.point, 'dns');
      assert.ok(result.client.length > 0 && !result.client.includes(' '), `client "${result.client}" for ${where}`);
      if (result.clientPort !== undefined) assert.ok(result.clientPort >= 0 && result.clientPort <= 65535, where);
      assert.ok(result.domain !== undefined && result.domain.length > 0 && !result.domain.includes(' '), where);
      assert.ok(result.detail !== undefined && result.detail.length > 0, where);
    }
  });
}

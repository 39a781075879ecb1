import type { LineContext } from '../line-format.js';
import { monthNumber } from '../local-time.js';

// The stamp the kernel log puts before a message, in the two forms `dmesg` prints and rsyslog's imklog
// keeps after its own syslog stamp:
//
//   [  449.610912] …                 seconds since boot: no wall time in it
//   [Tue Nov 24 21:45:05 2026] …     dmesg -T: local wall time, computed by dmesg from the boot time

/** Where the message after a kernel stamp starts, and the stamp's time when it has a wall time. */
export type KernelStamp = { time?: number; rest: number };

/** The stamp at `at`, or undefined when `line` has none there (a `[` that opens something else). */
export function kernelStamp(line: string, at: number, ctx: LineContext): KernelStamp | undefined {
  if (line.charCodeAt(at) !== OPEN_BRACKET) return undefined;
  const close = line.indexOf(']', at + 1);
  if (close < 0) return undefined;
  const rest = line.charCodeAt(close + 1) === SPACE ? close + 2 : close + 1;
  if (isUptime(line, at + 1, close)) return { rest };
  const m = HUMAN.exec(line.slice(at + 1, close));
  if (!m) return undefined;
  const month = monthNumber(m[1]!);
  if (month === 0) return undefined;
  const time = ctx.localTime(+m[6]!, month, +m[2]!, +m[3]!, +m[4]!, +m[5]!, 0);
  return Number.isNaN(time) ? undefined : { time, rest };
}

/** `  449.610912`: optional padding, digits, a dot, digits. */
function isUptime(line: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && line.charCodeAt(i) === SPACE) i++;
  const digits = i;
  while (i < end && isDigit(line.charCodeAt(i))) i++;
  if (i === digits || line.charCodeAt(i) !== DOT) return false;
  const fraction = ++i;
  while (i < end && isDigit(line.charCodeAt(i))) i++;
  return i === end && i > fraction;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const HUMAN = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/;
const SPACE = 32;
const DOT = 46;
const OPEN_BRACKET = 91;

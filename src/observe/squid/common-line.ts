import type { Observation } from '../../domain/observation.js';
import { monthNumber } from '../local-time.js';
import { requestObservation } from './request.js';

// Squid's `common` and `combined` logformats: Apache's, with squid's result and hierarchy codes appended.
//
//   common:   %>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st %Ss:%Sh
//   combined: %>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st "%{Referer}>h" "%{User-Agent}>h" %Ss:%Sh
//
// The time carries its zone (`[24/Nov/2026:10:00:00 +0900]`), so the input's zone is not needed. The
// referer and user agent are the client's text and may hold anything, quotes included, so the codes are
// read from the end of the line, never by counting quoted fields. These formats do not log the upstream
// address. A line without the codes (another proxy's common log) is read too; whether it was blocked
// is then unknown.

/** The Observation of a common or combined line whose client address starts at `at`. */
export function parseCommonLine(line: string, at: number): Observation | string | null {
  const clientEnd = line.indexOf(' ', at);
  const open = line.indexOf('[', clientEnd);
  const close = line.indexOf(']', open);
  if (close < 0) return 'no ] after the time stamp';
  const time = clfTime(line, open + 1, close);
  if (Number.isNaN(time)) return `unreadable time stamp "${line.slice(open + 1, close)}"`;

  const quote = close + 2;
  if (line.charCodeAt(close + 1) !== SPACE || line.charCodeAt(quote) !== QUOTE)
    return 'no quoted request after the time';
  const requestEnd = line.indexOf('"', quote + 1);
  if (requestEnd < 0) return 'unterminated request';
  const methodEnd = line.indexOf(' ', quote + 1);
  if (methodEnd < 0 || methodEnd > requestEnd) return 'no request target';
  let targetEnd = line.indexOf(' ', methodEnd + 1);
  if (targetEnd < 0 || targetEnd > requestEnd) targetEnd = requestEnd;

  const statusStart = requestEnd + 2;
  const statusEnd = line.indexOf(' ', statusStart);
  if (line.charCodeAt(requestEnd + 1) !== SPACE || statusEnd <= statusStart) return 'no status after the request';

  const codes = trailingCodes(line);
  return requestObservation({
    time,
    client: line.slice(at, clientEnd),
    method: line.slice(quote + 1, methodEnd),
    target: line.slice(methodEnd + 1, targetEnd),
    result: codes?.result ?? '',
    status: line.slice(statusStart, statusEnd),
    hierarchy: codes?.hierarchy ?? '',
    upstream: '',
  });
}

/** `TCP_MISS:HIER_DIRECT` at the end of the line, if it is there. */
function trailingCodes(line: string): { result: string; hierarchy: string } | undefined {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === SPACE) end--;
  const start = line.lastIndexOf(' ', end - 1) + 1;
  let colon = -1;
  for (let i = start; i < end; i++) {
    const c = line.charCodeAt(i);
    if (c === COLON && colon < 0) colon = i;
    else if (!((c >= 65 && c <= 90) || c === UNDERSCORE || (c >= 48 && c <= 57))) return undefined;
  }
  if (colon <= start || colon === end - 1) return undefined;
  return { result: line.slice(start, colon), hierarchy: line.slice(colon + 1, end) };
}

/** `24/Nov/2026:21:45:05 +0900` (strftime's `%d/%b/%Y:%H:%M:%S %z`) as ms, NaN when it is not that. */
function clfTime(line: string, start: number, end: number): number {
  if (end - start !== 26) return NaN;
  const n = (at: number, digits: number) => {
    let value = 0;
    for (let i = start + at; i < start + at + digits; i++) {
      const c = line.charCodeAt(i);
      if (c < 48 || c > 57) return NaN;
      value = value * 10 + (c - 48);
    }
    return value;
  };
  const month = monthNumber(line.slice(start + 3, start + 6));
  const sign = line.charCodeAt(start + 21);
  if (month === 0 || (sign !== PLUS && sign !== MINUS)) return NaN;
  const [day, hour, minute, second] = [n(0, 2), n(12, 2), n(15, 2), n(18, 2)];
  if (!(day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60)) return NaN;
  const offsetMinutes = (n(22, 2) * 60 + n(24, 2)) * (sign === MINUS ? -1 : 1);
  const wall = Date.UTC(n(7, 4), month - 1, day, hour, minute, second);
  return wall - offsetMinutes * 60_000;
}

const SPACE = 32;
const QUOTE = 34;
const COLON = 58;
const UNDERSCORE = 95;
const PLUS = 43;
const MINUS = 45;

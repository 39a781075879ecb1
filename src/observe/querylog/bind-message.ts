import type { LineContext } from '../line-format.js';
import { syslogPrefix } from '../syslog-prefix.js';
import { bindStampTime } from './bind-stamp.js';
import { clientAddress, portNumber } from './client-address.js';

// What every line named writes about a client has in common, whichever category it is in (queries, rpz):
//
//   [syslog prefix] [print-time stamp] [category: ] [severity: ] client [@0x7f…] ADDRESS#PORT[/key NAME] (QNAME)[: view V]: …
//
// 9.11 and older write no `@0x…` (the client object's address, added in 9.12); the stamp, category and
// severity are there only when the logging channel asks for them (print-time, print-category, print-severity).

/** Where a client message starts: BIND begins every one with this word. */
export const CLIENT = 'client ';

const SPACE = 32;
const SLASH = 47;
const AT = 64;
const DASH = 45;
const COLON = 58;

/** The client a line is about: its address (normalised) and source port. */
export type BindClient = { client: string; clientPort: number };

/**
 * The client message's start in `line` (the `client ` that begins it), looked for before `limit`; -1 when there
 * is none. Nothing before the message can contain `client ` followed by a space: a syslog host or tag has no
 * space, and the category named `client` is printed as `client: `.
 */
export function clientMessageStart(line: string, limit: number): number {
  const start = line.indexOf(CLIENT);
  if (start === -1 || start > limit) return -1;
  return start === 0 || line.charCodeAt(start - 1) === SPACE ? start : -1;
}

/**
 * Reads `client [@0x…] ADDRESS#PORT` at `start`, not looking past `limit`. A string says what is wrong with it:
 * the line has the shape of a client message, so a bad address is an unreadable record, not another kind of line.
 */
export function readBindClient(line: string, start: number, limit: number): BindClient | string {
  let at = start + CLIENT.length;
  if (line.charCodeAt(at) === AT) {
    const space = line.indexOf(' ', at);
    if (space === -1 || space >= limit) return 'nothing follows the client object in "client @0x…"';
    at = space + 1;
  }
  const hash = line.indexOf('#', at);
  const space = line.indexOf(' ', at);
  if (hash === -1 || hash >= limit || (space !== -1 && space < hash)) {
    return `the client "${line.slice(at, space === -1 ? limit : Math.min(space, limit))}" is not ADDRESS#PORT`;
  }
  const addressText = line.slice(at, hash);
  const client = clientAddress(addressText);
  if (client === undefined) return `the client address "${addressText}" is not an IP address`;
  let end = hash + 1;
  while (end < limit && isDigit(line.charCodeAt(end))) end++;
  const port = portNumber(line, hash + 1, end);
  const after = line.charCodeAt(end);
  if (port === -1 || (after !== SPACE && after !== SLASH)) {
    const portEnd = line.indexOf(' ', hash);
    return `the client port "${line.slice(hash + 1, portEnd === -1 ? line.length : portEnd)}" is not a port number`;
  }
  return { client, clientPort: port };
}

/**
 * When a client message that starts at `start` was written, in ms since the epoch; NaN when what is before it
 * cannot be read as a time. The time is BIND's own print-time stamp when there is one (it has milliseconds and a
 * year), otherwise the syslog or journal stamp. A line with neither (a channel with `print-time no`, seen live)
 * takes ctx.now, the time the caller says it is.
 */
export function bindLineTime(line: string, start: number, ctx: LineContext): number {
  if (start === 0) return ctx.now;
  const c0 = line.charCodeAt(0);
  const digit = isDigit(c0);
  if (digit && line.charCodeAt(2) === DASH) return bindStampTime(line, 0, ctx);
  if (digit || (c0 >= 65 && c0 <= 90)) {
    // An ISO stamp may be syslog's (RFC 3339, journal) or BIND's own (print-time iso8601); both say the same
    // instant, so when syslogPrefix takes `queries: info:` for a host and tag no harm is done.
    const prefix = syslogPrefix(line, ctx);
    if (prefix !== undefined && prefix.rest <= start) {
      const own = prefix.rest < start ? bindStampTime(line, prefix.rest, ctx) : NaN;
      return Number.isNaN(own) ? prefix.time : own;
    }
    return digit ? bindStampTime(line, 0, ctx) : NaN;
  }
  return isCategoryAndSeverity(line, start) ? ctx.now : NaN;
}

/** Whether `line` up to `end` is only `category: severity: ` words (print-category, print-severity, no time). */
function isCategoryAndSeverity(line: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = line.charCodeAt(i);
    const wordChar = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === DASH || c === 95;
    if (!wordChar && c !== COLON && c !== SPACE) return false;
  }
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

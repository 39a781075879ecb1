import type { Observation } from '../../domain/observation.js';
import type { LineContext, LineFormat } from '../line-format.js';
import { syslogPrefix } from '../syslog-prefix.js';
import { parseCommonLine } from './common-line.js';
import { parseNativeLine } from './native-line.js';

// Squid's access.log, one request per line, in the two shapes operators keep it:
//
//   native (logformat squid, squid's default and what Mizugiwa's own snippet writes to mizugiwa.log):
//     1732410000.123     45 192.0.2.10 TCP_MISS/200 1234 GET http://www.example.com/ - HIER_DIRECT/198.51.100.1 text/html
//   common / combined (squid appends its result and hierarchy codes to Apache's formats):
//     192.0.2.10 - - [24/Nov/2026:10:00:00 +0900] "GET http://www.example.com/ HTTP/1.1" 200 1234 TCP_MISS:HIER_DIRECT
//     … 200 1234 "http://referer/" "Mozilla/5.0 …" TCP_MISS:HIER_DIRECT
//
// Which one a line is, is decided per line (a log may change format on reconfigure): native lines start
// with the epoch time `<seconds>.<ms>`, common ones with the client address and `[` two fields on.
// Lines may also arrive with a syslog stamp (access_log syslog:…, or Mizugiwa's syslog input); the
// time is then still squid's own, which is the request's end and not when syslog got it.

function parseLine(line: string, ctx: LineContext): Observation | string | null {
  const start = skipSpaces(line, 0);
  if (start === line.length) return null;
  if (isEpochStamp(line, start)) return parseNativeLine(line, start);
  if (looksCommon(line, start)) return parseCommonLine(line, start);
  const prefix = syslogPrefix(line, ctx);
  if (prefix) {
    const rest = skipSpaces(line, prefix.rest);
    if (isEpochStamp(line, rest)) return parseNativeLine(line, rest);
    if (looksCommon(line, rest)) return parseCommonLine(line, rest);
    // Squid's syslog module also carries cache.log messages; they are not requests.
    return null;
  }
  return 'not a squid access.log line (neither the native format nor common/combined)';
}

export const squidAccessLog: LineFormat = { name: 'squid', point: 'proxy', parseLine };

/** `<digits>.<digits>` then a space: the native format's `%ts.%03tu`. */
function isEpochStamp(line: string, at: number): boolean {
  let i = at;
  while (isDigit(line.charCodeAt(i))) i++;
  if (i === at || line.charCodeAt(i) !== DOT) return false;
  const fraction = ++i;
  while (isDigit(line.charCodeAt(i))) i++;
  return i > fraction && line.charCodeAt(i) === SPACE;
}

/** `<client> <ident> <user> [` : the common format's first fields. */
function looksCommon(line: string, at: number): boolean {
  let i = at;
  for (let field = 0; field < 3; field++) {
    const end = line.indexOf(' ', i);
    if (end <= i) return false;
    i = end + 1;
  }
  return line.charCodeAt(i) === OPEN_BRACKET;
}

function skipSpaces(line: string, at: number): number {
  let i = at;
  while (line.charCodeAt(i) === SPACE) i++;
  return i;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const SPACE = 32;
const DOT = 46;
const OPEN_BRACKET = 91;

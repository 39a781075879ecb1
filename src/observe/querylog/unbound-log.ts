import type { Observation } from '../../domain/observation.js';
import type { LineContext, LineFormat } from '../line-format.js';
import { syslogPrefix } from '../syslog-prefix.js';
import { readAddressAndPort } from './client-address.js';
import { isDnsClassAt } from './dns-class.js';
import { readUnboundRpz } from './unbound-rpz.js';

// Unbound's log, in any of the forms it is written in:
//
//   [1795556869] unbound[13189:0] info: 127.0.0.2 www.example.test. A IN                 logfile (epoch seconds)
//   Nov 25 06:49:10 unbound[14508:0] query: 127.0.0.2 www.example.test. A IN             log-time-ascii: yes
//   2026-11-25T06:49:10.123+09:00 unbound[14508:0] info: …                               log-time-iso (newer)
//   Nov 25 06:49:42 host unbound: [15299:0] info: …                                      use-syslog: yes
//
// and the messages it reads, at level `info` (or `query` / `reply` with log-tag-queryreply: yes):
//
//   127.0.0.2 www.example.test. A IN                                  log-queries
//   127.0.0.2 www.example.test. A IN NXDOMAIN 0.000000 1 46           log-replies: rcode, seconds, from cache, size
//   rpz: applied [mizugiwa] evil.example.test. rpz-nxdomain 127.0.0.2@59537 evil.example.test. A IN   (unbound-rpz.ts)
//
// The client may carry its port (`ip@port`) and a reply may end with more fields (log-destaddr's ` on udp …`);
// both are allowed. Names are as Unbound prints them: with the trailing dot, and `?` for a byte it will not print.
// An operator who enables both log-queries and log-replies gets two observations for every lookup, one from
// each line: the lines say different things (a reply has the rcode), and which to log is the operator's choice.
// Everything else Unbound logs (start-up, statistics, local-zone actions, SERVFAIL reasons) is not an observation.
// log-time-ascii stamps are local time (1.17 formats them with localtime_r, whatever its manual says), so they are
// read in the input's zone like syslog's.

const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

const LEVELS = ['info: ', 'query: ', 'reply: '];
const RPZ_APPLIED = ['rpz: applied ', 'RPZ applied ']; // the second is an older spelling of the same line

export const unboundLog: LineFormat = {
  name: 'unbound-log',
  point: 'dns',
  parseLine(line: string, ctx: LineContext): Observation | string | null {
    const head = readHead(line, ctx);
    if (head === undefined) return null;
    for (const marker of RPZ_APPLIED) {
      if (line.startsWith(marker, head.message)) return readUnboundRpz(line, head.message + marker.length, head.time);
    }
    return readQueryOrReply(line, head.message, head.time);
  },
};

/** When a line was written and where its message starts, past the `level: ` that precedes it. */
type Head = { time: number; message: number };

/** The time and message of an Unbound line at level info, query or reply; undefined for anything else. */
function readHead(line: string, ctx: LineContext): Head | undefined {
  if (line.charCodeAt(0) === OPEN_BRACKET) return readEpochHead(line, 0);
  const prefix = syslogPrefix(line, ctx);
  if (prefix === undefined) return undefined;
  // log-time-ascii and log-time-iso write a syslog-like stamp followed by `ident[pid:thread] level: `; the
  // syslog reader takes the ident for the host (a real host name has no `]`) and the level for the tag.
  if (prefix.host.charCodeAt(prefix.host.length - 1) === CLOSE_BRACKET) {
    const level = prefix.tag === 'info' || prefix.tag === 'query' || prefix.tag === 'reply';
    return level ? { time: prefix.time, message: prefix.rest } : undefined;
  }
  // Via syslog the message is `[pid:thread] level: …`; a logfile sent to the journal keeps its `[epoch] …`.
  if (line.charCodeAt(prefix.rest) !== OPEN_BRACKET) return undefined;
  const close = line.indexOf(']', prefix.rest);
  if (close === -1) return undefined;
  if (line.indexOf(':', prefix.rest) > close) return readEpochHead(line, prefix.rest);
  return readLevel(line, close + 2, prefix.time);
}

/** `[EPOCH] ident[pid:thread] level: ` at `at`. */
function readEpochHead(line: string, at: number): Head | undefined {
  const close = line.indexOf('] ', at);
  if (close === -1 || close === at + 1 || close - at > 12) return undefined;
  let seconds = 0;
  for (let i = at + 1; i < close; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    seconds = seconds * 10 + d;
  }
  const identEnd = line.indexOf('] ', close + 2);
  if (identEnd === -1) return undefined;
  return readLevel(line, identEnd + 2, seconds * 1000);
}

function readLevel(line: string, at: number, time: number): Head | undefined {
  for (const level of LEVELS) if (line.startsWith(level, at)) return { time, message: at + level.length };
  return undefined;
}

/**
 * `CLIENT NAME TYPE CLASS` (a query) or `CLIENT NAME TYPE CLASS RCODE SECONDS CACHED SIZE …` (a reply). A message
 * whose fourth word is not a DNS class has another shape and is not ours (`service stopped (unbound 1.17.1).`).
 */
function readQueryOrReply(line: string, at: number, time: number): Observation | string | null {
  const clientEnd = line.indexOf(' ', at);
  const nameEnd = clientEnd === -1 ? -1 : line.indexOf(' ', clientEnd + 1);
  const typeEnd = nameEnd === -1 ? -1 : line.indexOf(' ', nameEnd + 1);
  if (typeEnd === -1) return null;
  let classEnd = line.indexOf(' ', typeEnd + 1);
  if (classEnd === -1) classEnd = line.length;
  if (!isDnsClassAt(line, typeEnd + 1, classEnd)) return null;
  if (nameEnd === clientEnd + 1 || typeEnd === nameEnd + 1) return 'the query has no name or no type';

  const client = readAddressAndPort(line, at, clientEnd);
  if (typeof client === 'string') return client;
  const observation: Observation = { time, point: 'dns', client: client.client };
  if (client.clientPort !== undefined) observation.clientPort = client.clientPort;
  observation.domain = line.slice(clientEnd + 1, nameEnd);
  const type = line.slice(nameEnd + 1, typeEnd);
  if (classEnd === line.length) {
    observation.detail = type;
    return observation;
  }
  const rcodeEnd = line.indexOf(' ', classEnd + 1);
  if (rcodeEnd === -1 || rcodeEnd === classEnd + 1) return 'the reply line ends before its fields';
  observation.detail = `${type} ${line.slice(classEnd + 1, rcodeEnd)}`;
  return observation;
}

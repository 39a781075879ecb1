import type { Observation } from '../../domain/observation.js';
import { readAddressAndPort } from './client-address.js';

// The line Unbound writes for a response policy zone with `rpz-log: yes` when a policy is applied, after
// `rpz: applied ` (services/rpz.c log_rpz_apply, respip/respip.c for response-IP triggers):
//
//   [mizugiwa] evil.example.test. rpz-nxdomain 127.0.0.2@59537 evil.example.test. A IN          QNAME trigger
//   [mizugiwa] clientip 127.0.0.3/32 rpz-nxdomain 127.0.0.3@47244 www.example.test. A IN        client-IP trigger
//   [mizugiwa] nsdname ns.other.test. rpz-nxdomain 127.0.0.2@40001 www.other.test. A IN         NSDNAME (and nsip)
//   [mizugiwa] 198.51.100.9/32 rpz-nxdomain 127.0.0.2@47157 iphit.example.test. A IN            response-IP trigger
//   mail.example.test. rpz-nxdomain 127.0.0.2@36474 mail.example.test. A IN                     zone without rpz-log-name
//
// that is `[[LOG-NAME] ][TRIGGER ]MATCHED ACTION CLIENT@PORT QNAME QTYPE QCLASS`. The log name may hold spaces
// and the client may be missing, so the line is read from its end. Unbound 1.17 writes the action as
// `rpz-nxdomain`, older releases as `nxdomain` (`tcp_only`, `local_data`, `cname_override`); both read the same,
// and the detail carries the newer spelling.

const SPACE = 32;

/**
 * Whether an action keeps the client from the real answer: passthru is how a monitor-mode zone shows a hit,
 * disabled means the zone logs what it would have done, and tcp-only makes the client ask again over TCP, where it
 * gets the real answer. Others (invalid, no-override) leave `blocked` out.
 */
const ACTION_BLOCKS: ReadonlyMap<string, boolean> = new Map([
  ['nxdomain', true],
  ['nodata', true],
  ['drop', true],
  ['local-data', true],
  ['cname-override', true],
  ['passthru', false],
  ['disabled', false],
  ['tcp-only', false],
]);

/** The words Unbound puts before the matched name for triggers other than QNAME and response-IP. */
const TRIGGERS = new Set(['clientip', 'nsdname', 'nsip']);

/** The policy applied in an `rpz: applied` line whose fields start at `start`; a string when it cannot be read. */
export function readUnboundRpz(line: string, start: number, time: number): Observation | string {
  // The last five words, from the end: class, type, qname, client, action.
  const ends: number[] = [];
  let end = line.length;
  while (end > start && line.charCodeAt(end - 1) === SPACE) end--;
  for (let word = 0; word < 5; word++) {
    const space = line.lastIndexOf(' ', end - 1);
    if (space < start - 1) return 'the rpz line ends before the query it applied to';
    ends.push(end);
    end = space;
  }
  const [classEnd, typeEnd, qnameEnd, clientEnd, actionEnd] = ends as [number, number, number, number, number];
  const qnameStart = line.lastIndexOf(' ', qnameEnd - 1) + 1;
  const clientStart = line.lastIndexOf(' ', clientEnd - 1) + 1;
  const actionStart = line.lastIndexOf(' ', actionEnd - 1) + 1;
  const typeStart = qnameEnd + 1;
  if (classEnd === typeEnd + 1 || typeStart === typeEnd || qnameStart === qnameEnd) return 'the rpz line has no query';
  if (clientStart === clientEnd) return 'the rpz line names no client';
  const client = readAddressAndPort(line, clientStart, clientEnd);
  if (typeof client === 'string') return client;

  const action = canonicalAction(line.slice(actionStart, actionEnd));
  const trigger = triggerOf(line, start, actionStart - 1);
  const observation: Observation = { time, point: 'dns', client: client.client };
  if (client.clientPort !== undefined) observation.clientPort = client.clientPort;
  observation.domain = line.slice(qnameStart, qnameEnd);
  const blocked = ACTION_BLOCKS.get(action);
  if (blocked !== undefined) observation.blocked = blocked;
  const type = line.slice(typeStart, typeEnd);
  observation.detail = trigger === undefined ? `${type} rpz-${action}` : `${type} rpz-${action} ${trigger}`;
  return observation;
}

/** `rpz-nxdomain` and `nxdomain` as `nxdomain`, `tcp_only` as `tcp-only`. */
function canonicalAction(text: string): string {
  return (text.startsWith('rpz-') ? text.slice(4) : text).replaceAll('_', '-');
}

/**
 * What triggered the policy, from the words between `rpz: applied ` and the action: the trigger word Unbound
 * writes (clientip, nsdname, nsip), `ip` for a response-IP trigger (the matched part is a network), and undefined
 * for a QNAME trigger.
 */
function triggerOf(line: string, start: number, end: number): string | undefined {
  let at = start;
  if (line.charCodeAt(at) === 91) {
    // `[log name] ` comes first; the name is the operator's and may hold anything but `] `.
    const close = line.indexOf('] ', at);
    if (close !== -1 && close < end) at = close + 2;
  }
  const space = line.indexOf(' ', at);
  if (space !== -1 && space < end) {
    const word = line.slice(at, space);
    if (TRIGGERS.has(word)) return word;
  }
  const slash = line.indexOf('/', at);
  return slash !== -1 && slash < end ? 'ip' : undefined;
}

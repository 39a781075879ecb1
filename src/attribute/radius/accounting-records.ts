import type { LeaseEvent, LeaseRecord } from '../../domain/lease.js';
import { normaliseIp } from '../../net/ip.js';
import { heldAddresses } from './held-addresses.js';
import { all, single, writeAttributes, type RadiusAttributes } from './radius-attributes.js';

export type { RadiusAttributes } from './radius-attributes.js';

// One RADIUS Accounting-Request (RFC 2866), as attribute name → value, turned into lease records. The names are
// FreeRADIUS dictionary names; values are text as a detail file or the wire decoder gives them: enum names or
// their numbers, dotted/colon addresses, `addr/len` prefixes, and times as seconds since the epoch (the detail
// reader turns FreeRADIUS's `"Nov 24 2026 10:00:00 JST"` into seconds before calling this).
//
// Start, Interim-Update (Alive) and Stop give one start/update/stop event per address held: Framed-IP-Address,
// Framed-IPv6-Address, each Framed-IPv6-Prefix and Delegated-IPv6-Prefix, and the routes of Framed-Route /
// Framed-IPv6-Route (a business line's routed block). Accounting-On and Accounting-Off give a reset of the NAS.
// Every other status (Tunnel-*, Failed, vendor values) says nothing about who held an address: [].
//
// A session record without an address is []: NASes send a Start when the subscriber authenticates and the
// address only in a later Interim-Update (Cisco `update newinfo`, accel-ppp before IPCP), and 802.1X or
// L2TP LAC accounting never carries one. That is normal traffic, not damage, and dead-lettering it would bury
// real faults; the first record that does carry the address opens the lease (with its start from
// Acct-Session-Time).
//
// When the event happened: Event-Timestamp (RFC 2869: the time of the event on the NAS). Without it, the time
// the server received the record (FreeRADIUS's `Timestamp`, or what the live receiver adds) minus
// Acct-Delay-Time, which RFC 2866 defines as seconds since the event *relative to that arrival*: subtracting
// it from Event-Timestamp as well would move every retried record early by its retry time (and FreeRADIUS's
// preprocess module already fills a missing Event-Timestamp with exactly arrival − delay).

const LEASE_STATUS = new Map<string, 'start' | 'update' | 'stop' | 'reset'>([
  ['Start', 'start'],
  ['1', 'start'],
  ['Stop', 'stop'],
  ['2', 'stop'],
  ['Interim-Update', 'update'],
  ['Alive', 'update'],
  ['3', 'update'],
  ['Accounting-On', 'reset'],
  ['7', 'reset'],
  ['Accounting-Off', 'reset'],
  ['8', 'reset'],
]);

/** Attributes kept as evidence beside the lease: what tells an operator which line and device it was. */
const DETAIL_ATTRIBUTES = [
  'Calling-Station-Id',
  'Called-Station-Id',
  'NAS-Port-Id',
  'NAS-Port',
  'NAS-Port-Type',
  'NAS-IP-Address',
  'NAS-IPv6-Address',
  'NAS-Identifier',
  'Service-Type',
  'Framed-Protocol',
  'Framed-Interface-Id',
  'Framed-IP-Netmask',
  'Framed-Pool',
  'Framed-IPv6-Pool',
  'Delegated-IPv6-Prefix-Pool',
  'Framed-Route',
  'Framed-IPv6-Route',
  'Acct-Multi-Session-Id',
  'Acct-Unique-Session-Id',
  'Acct-Terminate-Cause',
  'Connect-Info',
  'ADSL-Agent-Circuit-Id',
  'ADSL-Agent-Remote-Id',
];

/** Event-Timestamps before 2000 come from a NAS whose clock was never set (seconds since boot, or zero). */
const EARLIEST_CLOCK = 946_684_800;

/**
 * The lease records of one accounting request. `evidence` says where it came from (`line 12`,
 * `radius 192.0.2.1 id 7`); `raw` is kept with a rejection (the attributes written out when not given).
 */
export function accountingRecords(attrs: RadiusAttributes, evidence: string, raw?: string): LeaseRecord[] {
  const reject = (reason: string): LeaseRecord[] => [
    { action: 'rejected', reason, evidence, raw: raw ?? writeAttributes(attrs) },
  ];
  const status = single(attrs, 'Acct-Status-Type');
  if (typeof status !== 'string') {
    return reject(
      status.missing
        ? 'the accounting record has no Acct-Status-Type, so it is not known whether the session started, went on or ended'
        : status.conflict,
    );
  }
  if (status === '') {
    return reject('Acct-Status-Type is empty: expected Start, Interim-Update, Stop, Accounting-On or Accounting-Off');
  }
  const action = LEASE_STATUS.get(status);
  if (action === undefined) return [];

  const nas = nasOf(attrs);
  if (typeof nas !== 'string') return reject(nas.problem);
  const at = eventTime(attrs);
  if (typeof at === 'string') return reject(at);
  if (action === 'reset') return [{ action: 'reset', nas, at, evidence }];

  const sessionId = single(attrs, 'Acct-Session-Id');
  if (typeof sessionId !== 'string' || sessionId === '') {
    return reject(
      typeof sessionId !== 'string' && !sessionId.missing
        ? sessionId.conflict
        : `the ${status} record has no Acct-Session-Id, so its start, updates and stop cannot be joined into one session (the NAS must send it: RFC 2866 section 5.5)`,
    );
  }
  const sessionSeconds = action === 'start' ? undefined : seconds(attrs, 'Acct-Session-Time');
  if (typeof sessionSeconds === 'string') return reject(sessionSeconds);
  const interim = seconds(attrs, 'Acct-Interim-Interval');
  if (typeof interim === 'string') return reject(interim);

  const held = heldAddresses(attrs);
  const user = single(attrs, 'User-Name');
  const detail = detailOf(attrs);
  const records: LeaseRecord[] = held.problems.map((reason) => ({
    action: 'rejected',
    reason,
    evidence,
    raw: raw ?? writeAttributes(attrs),
  }));
  for (const address of held.addresses) {
    const event: LeaseEvent = { session: `${nas}/${sessionId}/${address}`, action, at, address, evidence, nas };
    if (sessionSeconds !== undefined) event.startedAt = at - sessionSeconds * 1000;
    if (typeof user === 'string' && user !== '') {
      event.subscriberKey = user;
      event.keyKind = 'user';
    }
    if (interim !== undefined && interim > 0) event.interimSeconds = interim;
    if (detail) event.detail = detail;
    records.push(event);
  }
  return records;
}

/**
 * Which NAS reported the session, as its sessions and its Accounting-On/Off name it: NAS-IP-Address, else
 * NAS-IPv6-Address, else NAS-Identifier (RFC 2865 requires one of them); else the address the packet came
 * from (FreeRADIUS's Packet-Src-IP-Address, which the live receiver also adds).
 */
function nasOf(attrs: RadiusAttributes): string | { problem: string } {
  for (const name of [
    'NAS-IP-Address',
    'NAS-IPv6-Address',
    'NAS-Identifier',
    'Packet-Src-IP-Address',
    'Packet-Src-IPv6-Address',
  ]) {
    const value = single(attrs, name);
    if (typeof value !== 'string') {
      if (!value.missing) return { problem: value.conflict };
      continue;
    }
    if (value === '') continue;
    if (name === 'NAS-Identifier') return value;
    const address = normaliseIp(value);
    return address.ok ? address.indicator.value : { problem: `${name} ${JSON.stringify(value)}: ${address.reason}` };
  }
  return {
    problem:
      'the record names no NAS (no NAS-IP-Address, NAS-IPv6-Address or NAS-Identifier), so its session id is not unique and an Accounting-On of its NAS could not close it',
  };
}

/** ms since the epoch of the event, or what is wrong with the times the record gives. */
function eventTime(attrs: RadiusAttributes): number | string {
  const stamp = seconds(attrs, 'Event-Timestamp');
  if (typeof stamp === 'string') return stamp;
  if (stamp !== undefined && stamp >= EARLIEST_CLOCK) return stamp * 1000;
  const arrival = seconds(attrs, 'Timestamp');
  if (typeof arrival === 'string') return arrival;
  if (arrival === undefined) {
    return stamp === undefined
      ? 'the record has neither Event-Timestamp nor Timestamp (when FreeRADIUS received it), so it is not known when it happened'
      : `Event-Timestamp ${stamp} is before the year 2000 (the NAS clock was not set) and there is no Timestamp (when FreeRADIUS received it) to use instead`;
  }
  const delay = seconds(attrs, 'Acct-Delay-Time');
  if (typeof delay === 'string') return delay;
  return (arrival - (delay ?? 0)) * 1000;
}

/** An unsigned 32-bit integer attribute (RADIUS `integer`/`date`): undefined when absent. */
function seconds(attrs: RadiusAttributes, name: string): number | undefined | string {
  const value = single(attrs, name);
  if (typeof value !== 'string') return value.missing ? undefined : value.conflict;
  if (!/^\d{1,10}$/.test(value) || Number(value) > 0xffff_ffff) {
    return `${name} ${JSON.stringify(value)} is not a whole number of seconds (0 to 4294967295)`;
  }
  return Number(value);
}

function detailOf(attrs: RadiusAttributes): Record<string, string> | undefined {
  let detail: Record<string, string> | undefined;
  for (const name of DETAIL_ATTRIBUTES) {
    const values = all(attrs, name).filter((v) => v !== '');
    if (values.length > 0) (detail ??= {})[name] = values.join(', ');
  }
  return detail;
}

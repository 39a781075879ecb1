import type { LeaseRecord } from '../../domain/lease.js';
import type { LeaseContext, LeaseFormat, LeaseReader } from '../lease-format.js';
import { agentIdText, hexText } from './dhcp-identifiers.js';
import { HeldLeases } from './held-leases.js';
import { readIaBlock, type ByteOrder } from './isc-dhcpd6.js';
import { IscStatementReader, type IscStatement } from './isc-statements.js';
import { iscTime, tokenBytes, utf8Text } from './isc-values.js';
import { canonicalAddress, leaseEvent, lineEvidence, rejectedLine, withoutCr } from './lease-records.js';

// ISC dhcpd's lease database, dhcpd.leases (DHCPv4) and dhcpd6.leases (DHCPv6), 4.x (dhcpd.leases(5)):
//
//   lease 10.250.1.101 {
//     starts 2 2026/11/24 23:51:37;
//     ends 2 2026/11/24 23:52:17;
//     cltt 2 2026/11/24 23:51:37;
//     binding state active;
//     hardware ethernet 02:00:00:fa:00:01;
//     uid "\001\002\000\000\372\000\001";
//     option agent.circuit-id "ge-0/0/1.100";
//     client-hostname "mzg-client";
//   }
//
// The file is a journal: dhcpd appends a block with the whole new state of a lease at every change (grant,
// renewal, release, expiry) and rewrites the file, one block per lease, when it starts and every hour. Times
// are UTC, or `epoch N` with `db-time-format local`. An `active` block is a start (its `starts` is the grant)
// or, for a lease this reader already holds open, a renewal; `free`, `expired`, `released`, `abandoned`,
// `reset` and `backup` end it: at `ends` (dhcpd sets it to the release or expiry time), except that a
// `released` lease ends at `cltt` (DHCPv6 keeps the old `ends` and puts the release in `cltt`) and an
// `abandoned` one (the address answered a ping or was declined) at `cltt`.
//
// The session is `dhcpd/ADDRESS/HOLDER`, the holder being the hardware address, else the client id (`uid`).
// The subscriber key is the relay agent's circuit id when there is one: on a relayed access network it names
// the subscriber's line, which stays the same when the customer changes their router, where the MAC does
// not; else the MAC, else the client id. server-duid, authoring-byte-order, failover, host, class, subclass
// and group statements say nothing about leases.

const IGNORED = new Set([
  'server-duid',
  'failover',
  'host',
  'class',
  'subclass',
  'group',
  'lease-id-format',
  'db-time-format',
]);

export const iscDhcpd: LeaseFormat = {
  name: 'isc-dhcpd',
  reader(_ctx: LeaseContext): LeaseReader {
    const statements = new IscStatementReader();
    const held = new HeldLeases();
    let byteOrder: ByteOrder = 'little-endian';

    const read = (results: ReturnType<IscStatementReader['line']>): LeaseRecord[] =>
      results.flatMap((result) => {
        if ('problem' in result) return [rejectedLine(result.problem, result.from, result.raw)];
        const { statement, from, raw } = result;
        const keyword = statement.words[0]?.text ?? '';
        if (keyword === 'lease') return readLeaseBlock(statement, from, raw, held);
        if (keyword === 'ia-na' || keyword === 'ia-ta' || keyword === 'ia-pd')
          return readIaBlock(statement, from, raw, held, byteOrder);
        if (keyword === 'authoring-byte-order') {
          const order = statement.words[1]?.text;
          if (order === 'little-endian' || order === 'big-endian') byteOrder = order;
          return [];
        }
        if (IGNORED.has(keyword) || keyword === '') return [];
        return [
          rejectedLine(
            `"${keyword}" is not a statement of a dhcpd lease file (lease, ia-na, ia-ta, ia-pd, server-duid, ...): ` +
              'is this file a dhcpd.leases?',
            from,
            raw,
          ),
        ];
      });

    return {
      line: (text, line) => read(statements.line(withoutCr(text), line)),
      end: () => read(statements.end()),
      pendingFrom: () => statements.pendingFrom(),
    };
  },
};

type LeaseFields = {
  starts?: number | 'never';
  ends?: number | 'never';
  cltt?: number | 'never';
  tstp?: number | 'never';
  state?: string;
  hardwareType?: string;
  mac?: string;
  uid?: string;
  hostname?: string;
  circuitId?: string;
  remoteId?: string;
  subscriberId?: string;
};

const TIME_KEYWORDS = new Set(['starts', 'ends', 'cltt', 'tstp', 'tsfp', 'atsfp']);
const ENDED_STATES = new Set(['free', 'expired', 'released', 'abandoned', 'reset', 'backup']);

function readLeaseBlock(statement: IscStatement, from: number, raw: string, held: HeldLeases): LeaseRecord[] {
  const reject = (reason: string) => [rejectedLine(reason, from, raw)];
  const addressText = statement.words[1]?.text ?? '';
  const address = statement.words.length === 2 ? canonicalAddress(addressText) : undefined;
  if (address === undefined || statement.block === undefined)
    return reject(`"lease ${addressText} {" should name one IPv4 address and open a block`);
  const fields = readLeaseFields(statement.block, address);
  if (typeof fields === 'string') return reject(fields);

  const time = (t: number | 'never' | undefined) => (typeof t === 'number' ? t : undefined);
  const holder = fields.mac ?? fields.uid;
  const session = `dhcpd/${address}/${holder}`;
  const evidence = lineEvidence(from);
  const key =
    fields.circuitId !== undefined
      ? { subscriberKey: fields.circuitId, keyKind: 'circuit' as const }
      : fields.mac !== undefined
        ? { subscriberKey: fields.mac, keyKind: 'mac' as const }
        : { subscriberKey: fields.uid, keyKind: 'client-id' as const };
  const detail = {
    mac: key.keyKind === 'mac' ? undefined : fields.mac,
    'hardware-type': fields.hardwareType === 'ethernet' ? undefined : fields.hardwareType,
    'client-id': key.keyKind === 'client-id' ? undefined : fields.uid,
    hostname: fields.hostname,
    'remote-id': fields.remoteId,
    'subscriber-id': fields.subscriberId,
  };

  if (fields.state === 'active') {
    const at = time(fields.starts) ?? time(fields.cltt);
    if (at === undefined) return reject(`the active lease of ${address} has no "starts" (or "cltt") time`);
    if (holder === undefined)
      return reject(`the active lease of ${address} names no client: it has no "hardware" or "uid" statement`);
    const renewal = held.hold(address, session, holder);
    return [
      leaseEvent({
        session,
        action: renewal ? 'update' : 'start',
        at,
        expiresAt: time(fields.ends),
        address,
        ...key,
        evidence,
        detail,
      }),
    ];
  }

  const state = fields.state!;
  const at =
    state === 'released'
      ? (time(fields.cltt) ?? time(fields.ends))
      : state === 'abandoned'
        ? (time(fields.cltt) ?? time(fields.starts))
        : (time(fields.ends) ?? time(fields.tstp) ?? time(fields.cltt));
  if (at === undefined)
    return reject(`the ${state} lease of ${address} has no time at which it ended ("ends", "cltt")`);
  if (holder === undefined) {
    // An abandoned or free lease without a client: whoever this reader saw holding it no longer does.
    const open = held.at(address);
    if (open === undefined) return [];
    held.release(address);
    return [leaseEvent({ session: open.session, action: 'stop', at, address, evidence, detail: { state } })];
  }
  held.release(address, session);
  const starts = time(fields.starts);
  return [
    leaseEvent({
      session,
      action: 'stop',
      at,
      startedAt: starts !== undefined && starts <= at ? starts : undefined,
      address,
      ...key,
      evidence,
      detail: { ...detail, state },
    }),
  ];
}

/** The statements of a `lease {}` block that matter here, or what is wrong with them. */
function readLeaseFields(block: IscStatement[], address: string): LeaseFields | string {
  const fields: LeaseFields = {};
  for (const { words } of block) {
    const keyword = words[0]?.text ?? '';
    const rest = words.slice(1);
    if (TIME_KEYWORDS.has(keyword)) {
      const t = iscTime(rest);
      if (t === undefined)
        return `the "${keyword}" time of the lease of ${address} is not "W YYYY/MM/DD HH:MM:SS", "epoch N" or "never"`;
      if (keyword === 'starts' || keyword === 'ends' || keyword === 'cltt' || keyword === 'tstp') fields[keyword] = t;
    } else if (keyword === 'binding' && rest[0]?.text === 'state' && rest.length === 2) {
      fields.state = rest[1]!.text;
    } else if (keyword === 'abandoned') {
      fields.state = 'abandoned';
    } else if (keyword === 'hardware') {
      const bytes = rest.length === 2 ? tokenBytes(rest[1]) : undefined;
      if (bytes === undefined || rest[1]!.quoted)
        return `the hardware address of the lease of ${address} is not "hardware TYPE xx:xx:...;"`;
      fields.hardwareType = rest[0]!.text;
      if (bytes.length > 0) fields.mac = hexText(bytes);
    } else if (keyword === 'uid') {
      const bytes = rest.length === 1 ? tokenBytes(rest[0]) : undefined;
      if (bytes === undefined)
        return `the uid (client id) of the lease of ${address} is neither a quoted string nor xx:xx:... hex`;
      if (bytes.length > 0) fields.uid = hexText(bytes);
    } else if (keyword === 'client-hostname' && rest.length === 1 && rest[0]!.quoted) {
      fields.hostname = utf8Text(rest[0]!);
    } else if (keyword === 'option' && rest[0]?.text.startsWith('agent.')) {
      const bytes = rest.length === 2 ? tokenBytes(rest[1]) : undefined;
      if (bytes === undefined) return `the ${rest[0]!.text} of the lease of ${address} cannot be read`;
      if (bytes.length === 0) continue;
      if (rest[0]!.text === 'agent.circuit-id') fields.circuitId = agentIdText(bytes);
      else if (rest[0]!.text === 'agent.remote-id') fields.remoteId = agentIdText(bytes);
      else if (rest[0]!.text === 'agent.subscriber-id') fields.subscriberId = agentIdText(bytes);
    }
    // Anything else (next/rewind binding state, set, on expiry {...}, billing, ddns ...) is not about who held it.
  }
  if (fields.state === undefined) return `the lease of ${address} has no "binding state"`;
  if (fields.state !== 'active' && !ENDED_STATES.has(fields.state))
    return `the lease of ${address} is in binding state "${fields.state}", which is not one dhcpd writes`;
  return fields;
}

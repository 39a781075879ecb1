import type { LeaseRecord } from '../../domain/lease.js';
import { hexText } from './dhcp-identifiers.js';
import type { HeldLeases } from './held-leases.js';
import type { IscStatement } from './isc-statements.js';
import { iscTime, tokenBytes } from './isc-values.js';
import { canonicalAddress, canonicalPrefix, leaseEvent, lineEvidence, rejectedLine } from './lease-records.js';

// The DHCPv6 blocks of dhcpd6.leases: one per identity association (IA_NA, IA_TA or IA_PD) of a client,
// holding its addresses or delegated prefixes:
//
//   ia-na "\001\006\372\000\000\001\000\0012\230\336\213\002\000\000\372\006\001" {
//     cltt epoch 1795564475; # Wed Nov 25 08:54:35 2026
//     iaaddr fd00:250:1::100 {
//       binding state active;
//       preferred-life 30;
//       max-life 40;
//       ends epoch 1795564515; # Wed Nov 25 08:55:15 2026
//     }
//   }
//
// The key is the IAID (four bytes, in the byte order `authoring-byte-order` names) followed by the client's
// DUID; with `lease-id-format hex` it is written as colon hex instead of a quoted string. Each iaaddr or
// iaprefix is a lease of its own: session `dhcpd/ADDRESS/DUID`, subscriber key the DUID (keyKind client-id),
// held from `cltt` (`starts` when a version writes one) to `ends`, a `released` one ending at `cltt`.

export type ByteOrder = 'little-endian' | 'big-endian';

const LEASE_TYPES: Record<string, string> = { 'ia-na': 'IA_NA', 'ia-ta': 'IA_TA', 'ia-pd': 'IA_PD' };
const ENDED_STATES = new Set(['free', 'expired', 'released', 'abandoned', 'reset', 'backup']);

type Time = number | 'never' | undefined;

export function readIaBlock(
  statement: IscStatement,
  from: number,
  raw: string,
  held: HeldLeases,
  byteOrder: ByteOrder,
): LeaseRecord[] {
  const reject = (reason: string) => [rejectedLine(reason, from, raw)];
  const kind = statement.words[0]!.text;
  const key = statement.words.length === 2 ? tokenBytes(statement.words[1]) : undefined;
  if (key === undefined || statement.block === undefined)
    return reject(`"${kind}" should be followed by its key (a quoted string or colon hex) and a block`);
  if (key.length < 5) return reject(`the ${kind} key is ${key.length} bytes: too short for an IAID and a DUID`);
  const iaid = byteOrder === 'little-endian' ? readUint32(key, true) : readUint32(key, false);
  const duid = hexText(key.slice(4));

  let cltt: Time;
  const leases: IscStatement[] = [];
  for (const inner of statement.block) {
    const keyword = inner.words[0]?.text;
    if (keyword === 'cltt') {
      cltt = iscTime(inner.words.slice(1));
      if (cltt === undefined) return reject(`the "cltt" time of the ${kind} block cannot be read`);
    } else if (keyword === 'iaaddr' || keyword === 'iaprefix') {
      leases.push(inner);
    }
  }

  const records: LeaseRecord[] = [];
  for (const lease of leases) {
    const record = readIaLease(lease, kind, duid, iaid, cltt, from, held);
    if (typeof record === 'string') return reject(record);
    records.push(record);
  }
  return records;
}

function readIaLease(
  lease: IscStatement,
  kind: string,
  duid: string,
  iaid: number,
  cltt: Time,
  from: number,
  held: HeldLeases,
): LeaseRecord | string {
  const keyword = lease.words[0]!.text;
  const text = lease.words[1]?.text ?? '';
  const address =
    lease.words.length !== 2 || lease.block === undefined
      ? undefined
      : keyword === 'iaprefix'
        ? canonicalPrefix(text)
        : canonicalAddress(text);
  if (address === undefined || !address.includes(':'))
    return `"${keyword} ${text}" in the ${kind} block should name an IPv6 ${keyword === 'iaprefix' ? 'prefix' : 'address'} and open a block`;

  let state: string | undefined;
  let starts: Time;
  let ends: Time;
  for (const { words } of lease.block!) {
    const name = words[0]?.text;
    if (name === 'binding' && words[1]?.text === 'state' && words.length === 3) state = words[2]!.text;
    else if (name === 'starts' || name === 'ends') {
      const t = iscTime(words.slice(1));
      if (t === undefined) return `the "${name}" time of ${address} cannot be read`;
      if (name === 'starts') starts = t;
      else ends = t;
    }
  }
  if (state === undefined) return `${address} in the ${kind} block has no "binding state"`;
  if (state !== 'active' && !ENDED_STATES.has(state))
    return `${address} is in binding state "${state}", which is not one dhcpd writes`;

  const time = (t: Time) => (typeof t === 'number' ? t : undefined);
  const session = `dhcpd/${address}/${duid}`;
  const detail = { iaid: String(iaid), 'lease-type': kind === 'ia-na' ? undefined : LEASE_TYPES[kind] };
  const common = { session, address, subscriberKey: duid, keyKind: 'client-id' as const, evidence: lineEvidence(from) };
  if (state === 'active') {
    const at = time(starts) ?? time(cltt);
    if (at === undefined) return `the active lease of ${address} has no "cltt" (or "starts") time`;
    const renewal = held.hold(address, session, duid);
    return leaseEvent({ ...common, action: renewal ? 'update' : 'start', at, expiresAt: time(ends), detail });
  }
  const at = state === 'released' ? (time(cltt) ?? time(ends)) : (time(ends) ?? time(cltt));
  if (at === undefined) return `the ${state} lease of ${address} has no time at which it ended ("ends", "cltt")`;
  held.release(address, session);
  return leaseEvent({ ...common, action: 'stop', at, detail: { ...detail, state } });
}

function readUint32(bytes: readonly number[], littleEndian: boolean): number {
  const [a, b, c, d] = bytes as [number, number, number, number];
  return littleEndian ? ((d << 24) | (c << 16) | (b << 8) | a) >>> 0 : ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

import type { LeaseRecord } from '../../domain/lease.js';
import type { LeaseContext, LeaseFormat, LeaseReader } from '../lease-format.js';
import { HeldLeases } from './held-leases.js';
import { readLegalEntry, type LegalEntry } from './kea-legal-entry.js';
import { leaseEvent, lineEvidence, rejectedLine, withoutCr } from './lease-records.js';

// Kea's forensic log (the legal log hook, libdhcp_legal_log.so), one entry per line after a time stamp in
// the default timestamp-format "%Y-%m-%d %H:%M:%S %Z" (local time and the zone's abbreviation):
//
//   2026-11-24 10:00:00 CET Address: 192.0.2.10 has been assigned for 1 hrs 52 mins 3 secs to a device with …
//
// (the wording of the entries: kea-legal-entry.ts). An assignment (or renewal, or an administrator's or HA
// partner's lease add or update) is a start, or a renewal of a lease this reader holds open, lasting the lease
// time from the entry's time; a release ends it. The log says nothing when a lease expires: the interval store
// ends it at its expiry. An administrator's delete ends the lease this reader saw on the address (or held by
// the device); when it saw none, the entry is rejected, since it cannot say whose lease ended.
//
// Zone abbreviations are ambiguous (CST, IST), so the time is read as the wall clock of the zone configured
// for the file (ctx.localTime) unless it says UTC/GMT or a numeric offset (`+0900`, `+09`, as glibc writes for
// zones without an abbreviation). Session `kea/ADDRESS/HOLDER` as for Kea's lease file (kea-csv.ts): the MAC
// (else the client id) for DHCPv4, the DUID for DHCPv6. The DHCPv4 subscriber key is the relay agent's circuit
// id when the entry has one, else the MAC, else the client id; the DHCPv6 key is the DUID.

const STAMP =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (?:([A-Za-z]{1,6}|[+-]\d{2}(?::?\d{2})?) ?)?/;
const UTC_NAMES = new Set(['UTC', 'GMT', 'UCT', 'Z']);

export const keaLegal: LeaseFormat = {
  name: 'kea-legal',
  reader(ctx: LeaseContext): LeaseReader {
    const held = new HeldLeases();
    return {
      line(raw, line) {
        const text = withoutCr(raw);
        if (text.trim() === '') return [];
        const reject = (reason: string) => [rejectedLine(reason, line, raw)];
        const stamp = STAMP.exec(text);
        if (stamp === null)
          return reject(
            'the line does not begin with the forensic log time stamp "YYYY-MM-DD HH:MM:SS ZONE" ' +
              '(a custom timestamp-format cannot be read)',
          );
        const at = stampTime(stamp, ctx);
        if (at === undefined) return reject(`the time stamp "${stamp[0].trim()}" is not a valid date and time`);
        const entry = readLegalEntry(text.slice(stamp[0].length));
        if (typeof entry === 'string') return reject(entry);
        return entryRecords(entry, at, line, held, reject);
      },
      end: () => [],
      pendingFrom: () => undefined,
    };
  },
};

function stampTime(m: RegExpExecArray, ctx: LeaseContext): number | undefined {
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (new Date(wall).getUTCDate() !== day) return undefined;
  const zone = m[8];
  if (zone === undefined || /^[A-Za-z]/.test(zone)) {
    if (zone !== undefined && UTC_NAMES.has(zone.toUpperCase())) return wall;
    return ctx.localTime(year, month, day, hour, minute, second, ms);
  }
  const offset = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  const minutes = Number(offset[2]) * 60 + Number(offset[3] ?? 0);
  return wall - (offset[1] === '-' ? -1 : 1) * minutes * 60_000;
}

function entryRecords(
  entry: LegalEntry,
  at: number,
  line: number,
  held: HeldLeases,
  reject: (reason: string) => LeaseRecord[],
): LeaseRecord[] {
  const evidence = lineEvidence(line);
  if (entry.kind === 'delete-address') {
    const open = held.at(entry.address);
    if (open === undefined)
      return reject(
        `${entry.issuer} deleted the lease of ${entry.address}, but this file does not say (before this line) who held it`,
      );
    held.release(entry.address);
    return [stop(open.session, entry.address, at, evidence, entry.issuer)];
  }
  if (entry.kind === 'delete-device') {
    const leases = held.heldBy(entry.id);
    if (leases.length === 0)
      return reject(
        `${entry.issuer} deleted the lease of the device ${entry.id}, but this file does not say (before this line) which address it held`,
      );
    return leases.map(([address, lease]) => {
      held.release(address);
      return stop(lease.session, address, at, evidence, entry.issuer);
    });
  }

  const { device, relay, address } = entry;
  const holder = device.duid ?? device.mac ?? device.clientId;
  if (holder === undefined) return reject(`the entry for ${address} names no hardware address, client-id or DUID`);
  const session = `kea/${address}/${holder}`;
  const [subscriberKey, keyKind] =
    device.duid !== undefined
      ? [device.duid, 'client-id' as const]
      : relay.circuitId !== undefined
        ? [relay.circuitId, 'circuit' as const]
        : device.mac !== undefined
          ? [device.mac, 'mac' as const]
          : [device.clientId!, 'client-id' as const];
  const detail = {
    mac: keyKind === 'mac' ? undefined : device.mac,
    'hardware-type': device.hwtype,
    'client-id': keyKind === 'client-id' && device.duid === undefined ? undefined : device.clientId,
    relay: relay.relay,
    link: relay.link,
    'circuit-id': keyKind === 'circuit' ? undefined : relay.circuitId,
    'remote-id': relay.remoteId,
    'subscriber-id': relay.subscriberId,
    'interface-id': relay.interfaceId,
    issuer: entry.issuer,
    unread: entry.unread,
  };
  if (entry.verb === 'released') {
    held.release(address, session);
    return [leaseEvent({ session, action: 'stop', at, address, subscriberKey, keyKind, evidence, detail })];
  }
  const renewal = held.hold(address, session, holder);
  return [
    leaseEvent({
      session,
      action: renewal || entry.verb === 'renewed' ? 'update' : 'start',
      at,
      expiresAt: typeof entry.seconds === 'number' ? at + entry.seconds * 1000 : undefined,
      address,
      subscriberKey,
      keyKind,
      evidence,
      detail,
    }),
  ];
}

function stop(session: string, address: string, at: number, evidence: string, issuer: string): LeaseRecord {
  return leaseEvent({ session, action: 'stop', at, address, evidence, detail: { issuer } });
}

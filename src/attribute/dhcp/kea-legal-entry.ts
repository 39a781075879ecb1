import { agentIdText, canonicalHex, hexBytes, hexRunBytes, hexText } from './dhcp-identifiers.js';
import { canonicalAddress, canonicalPrefix } from './lease-records.js';

// The text of one Kea forensic log entry (libdhcp_legal_log.so, default format), after its time stamp. The
// wording is the hook's (lease4_callouts.cc, lease6_callouts.cc, command_callouts.cc in Kea's sources):
//
//   Address: 192.2.1.100 has been assigned for 1 hrs 52 mins 15 secs to a device with hardware address:
//     hwtype=1 08:00:2b:02:3f:4e, client-id: 17:34:e2:ff:09:92:54 connected via relay at address: 192.2.16.33,
//     identified by circuit-id: 68:6f:77:64:79 (howdy) and remote-id: 87:f6:79:77:ef
//   Address: 192.2.1.100 has been released from a device with hardware address: hwtype=1 08:00:2b:02:3f:4e
//   Address: 2001:db8:1:: has been assigned for 0 hrs 11 mins 53 secs to a device with DUID: 17:34:e2:ff:09:92:54
//     and hardware address: hwtype=1 08:00:2b:02:3f:4e (from Raw Socket) connected via relay at address:
//     fe80::abcd for client on link address: 3001::1, hop count: 1, identified by remote-id: 01:02:03:04
//   Prefix: 2001:db8:1::/56 has been assigned for …
//   Administrator added a lease of address: 192.0.2.202 to a device with hardware address: 1a:1b:1c:1d:1e:1f
//     for 1 days 0 hrs 0 mins 0 secs
//   HA partner updated information on the lease of address: … / deleted the lease for address: 192.0.2.202 /
//     deleted a lease for a device identified by: hw-address of 1a:1b:1c:1d:1e:1f
//
// (all on one line). Kea before 2.4 also wrote "has been renewed", some versions "min" for "mins", older ones
// "circuit id" for "circuit-id"; all are read. An identifier whose bytes are printable is followed by them in
// parentheses, which may hold any character: they are skipped by count, not searched for a ")".

export type LegalDevice = { mac?: string; clientId?: string; duid?: string; hwtype?: string; hwSource?: string };
export type LegalRelay = {
  relay?: string;
  link?: string;
  circuitId?: string;
  remoteId?: string;
  subscriberId?: string;
  interfaceId?: string;
};

export type LegalEntry =
  | {
      kind: 'lease';
      verb: 'assigned' | 'renewed' | 'released' | 'added' | 'updated';
      address: string;
      /** Lease time in seconds; 'infinite'; undefined when the entry gives none (a release). */
      seconds?: number | 'infinite';
      device: LegalDevice;
      relay: LegalRelay;
      issuer?: string;
      /** Text after the parts this reader knows, kept as evidence. */
      unread?: string;
    }
  | { kind: 'delete-address'; issuer: string; address: string }
  | { kind: 'delete-device'; issuer: string; idType: string; id: string };

class Cursor {
  constructor(
    readonly text: string,
    public at = 0,
  ) {}
  get rest(): string {
    return this.text.slice(this.at);
  }
  /** Consumes `literal` if the text continues with it. */
  take(literal: string): boolean {
    if (!this.text.startsWith(literal, this.at)) return false;
    this.at += literal.length;
    return true;
  }
  /** Consumes and returns the match of `pattern` (sticky: it must match right here), if any. */
  match(pattern: RegExp): RegExpExecArray | undefined {
    pattern.lastIndex = this.at;
    const m = pattern.exec(this.text);
    if (m === null) return undefined;
    this.at += m[0].length;
    return m;
  }
  /**
   * Colon hex (or, as an administrator may give it to a command, plain hex), then ` (text)` when the bytes
   * are printable: the text is exactly as long as the bytes.
   */
  identifier(): number[] | undefined {
    const m = this.match(/[0-9a-fA-F:]+/y);
    const bytes = m === undefined ? undefined : m[0].includes(':') ? hexBytes(m[0]) : hexRunBytes(m[0]);
    if (bytes === undefined) return undefined;
    const printed = ` (${String.fromCharCode(...bytes)})`;
    if (this.text.startsWith(printed, this.at)) this.at += printed.length;
    return bytes;
  }
}

export function readLegalEntry(message: string): LegalEntry | string {
  const c = new Cursor(message);
  const lease = c.match(/(Address|Prefix): ?(\S+) has been (assigned|renewed|released) /y);
  if (lease !== undefined) return readLease(c, lease[1] === 'Prefix', lease[2]!, lease[3] as 'assigned');
  const issuer = c.match(/(Administrator|HA partner) /y)?.[1];
  if (issuer === undefined)
    return 'not an entry of the forensic log default format (Address:, Prefix:, Administrator, HA partner); lines of a custom request-parser-format or response-parser-format cannot be read';
  const command = c.match(/(added a lease of|updated information on the lease of) (address|prefix): (\S+) to /y);
  if (command !== undefined) {
    const verb = command[1]!.startsWith('added') ? 'added' : 'updated';
    return readLease(c, command[2] === 'prefix', command[3]!, verb, issuer);
  }
  const byAddress = c.match(/deleted the lease for address: (\S+)$/y);
  if (byAddress !== undefined) {
    const address = canonicalAddress(byAddress[1]!) ?? canonicalPrefix(byAddress[1]!);
    if (address === undefined) return `"${byAddress[1]}" is not an address`;
    return { kind: 'delete-address', issuer, address };
  }
  const byDevice = c.match(/deleted a lease for a device identified by: (\S+) of (\S+)$/y);
  if (byDevice !== undefined) {
    const id = canonicalHex(byDevice[2]!);
    if (id === undefined) return `the identifier "${byDevice[2]}" is not colon-separated hex`;
    return { kind: 'delete-device', issuer, idType: byDevice[1]!, id };
  }
  return `an ${issuer} entry this reader does not know: ${c.rest.slice(0, 60)}`;
}

function readLease(
  c: Cursor,
  prefix: boolean,
  addressText: string,
  verb: 'assigned' | 'renewed' | 'released' | 'added' | 'updated',
  issuer?: string,
): LegalEntry | string {
  const address = prefix ? canonicalPrefix(addressText) : canonicalAddress(addressText);
  if (address === undefined) return `"${addressText}" is not ${prefix ? 'a prefix' : 'an address'}`;
  let seconds: number | 'infinite' | undefined;
  const command = issuer !== undefined;
  if (!command) {
    if (verb === 'released') {
      if (!c.take('from ')) return 'a release should continue "from a device with"';
    } else {
      if (!c.take('for ')) return `"has been ${verb}" should be followed by "for" and the lease time`;
      seconds = duration(c);
      if (seconds === undefined) return 'the lease time is not "[D days ]H hrs M mins S secs" or "infinite duration"';
      if (!c.take(' to ')) return 'the lease time should be followed by "to a device with"';
    }
  }
  if (!c.take('a device with ')) return 'the entry does not say "a device with" after the address';
  const device: LegalDevice = {};
  if (c.take('hardware address: ')) {
    const hw = hardware(c, !command);
    if (hw === undefined) return 'the hardware address is not "hwtype=N xx:xx:…"';
    Object.assign(device, hw);
    if (c.take(', client-id: ')) {
      const id = c.identifier();
      if (id === undefined) return 'the client-id is not colon-separated hex';
      device.clientId = hexText(id);
    }
  } else if (c.take('DUID: ')) {
    const duid = c.identifier();
    if (duid === undefined) return 'the DUID is not colon-separated hex';
    device.duid = hexText(duid);
    if (c.take(' and hardware address: ') || c.take(', hardware address: ')) {
      const hw = hardware(c, !command);
      if (hw === undefined) return 'the hardware address is not "hwtype=N xx:xx:…"';
      Object.assign(device, hw);
      const source = c.match(/ \(from ([^)]*)\)/y);
      if (source !== undefined) device.hwSource = source[1];
    }
  } else {
    return 'the device is given neither by "hardware address:" nor by "DUID:"';
  }
  if (command && c.take(' for ')) {
    seconds = duration(c);
    if (seconds === undefined) return 'the lease time is not "[D days ]H hrs M mins S secs" or "infinite duration"';
  }
  const relay = readRelay(c);
  if (typeof relay === 'string') return relay;
  const entry: LegalEntry = { kind: 'lease', verb, address, device, relay };
  if (seconds !== undefined) entry.seconds = seconds;
  if (issuer !== undefined) entry.issuer = issuer;
  const rest = c.rest;
  if (rest !== '' && !rest.startsWith(', context: ')) entry.unread = rest.trim();
  return entry;
}

/** `hwtype=1 08:00:2b:02:3f:4e` (an administrator's command gives the bare hex). */
function hardware(c: Cursor, withType: boolean): Pick<LegalDevice, 'mac' | 'hwtype'> | undefined {
  const type = c.match(/hwtype=(\d+) ?/y);
  if (withType && type === undefined) return undefined;
  const hex = c.match(/[0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2})*/y);
  const out: Pick<LegalDevice, 'mac' | 'hwtype'> = {};
  if (type !== undefined && type[1] !== '1') out.hwtype = type[1]!;
  if (hex !== undefined) out.mac = canonicalHex(hex[0]);
  return out;
}

function duration(c: Cursor): number | 'infinite' | undefined {
  if (c.take('infinite duration')) return 'infinite';
  const m = c.match(/(?:(\d+) days? )?(\d+) hrs? (\d+) mins? (\d+) secs?/y);
  if (m !== undefined) return Number(m[1] ?? 0) * 86_400 + Number(m[2]) * 3_600 + Number(m[3]) * 60 + Number(m[4]);
  const plain = c.match(/(\d+) seconds/y);
  return plain === undefined ? undefined : Number(plain[1]);
}

const AGENT_IDS: Record<string, keyof LegalRelay> = {
  'circuit-id': 'circuitId',
  'circuit id': 'circuitId',
  'remote-id': 'remoteId',
  'remote id': 'remoteId',
  'subscriber-id': 'subscriberId',
  'subscriber id': 'subscriberId',
};

/** ` connected via relay at address: …[ for client on link address: …, hop count: N][, identified by …]`. */
function readRelay(c: Cursor): LegalRelay | string {
  const relay: LegalRelay = {};
  const via = c.match(/ connected via relay at address: ([^\s,]+)/y);
  if (via === undefined) return relay;
  relay.relay = canonicalAddress(via[1]!) ?? via[1]!;
  const link = c.match(/ for client on link address: ([^\s,]+), hop count: \d+/y);
  if (link !== undefined) relay.link = canonicalAddress(link[1]!) ?? link[1]!;
  if (c.take(', identified by ')) {
    do {
      const name = c.match(/(circuit-id|circuit id|remote-id|remote id|subscriber-id|subscriber id): /y);
      const bytes = name === undefined ? undefined : c.identifier();
      if (name === undefined || bytes === undefined) return 'the relay agent ids after "identified by" cannot be read';
      relay[AGENT_IDS[name[1]!]!] = agentIdText(bytes);
    } while (c.take(' and '));
  }
  if (c.take(', connected at location interface-id: ')) {
    const bytes = c.identifier();
    if (bytes === undefined) return 'the interface-id cannot be read';
    relay.interfaceId = agentIdText(bytes);
  }
  return relay;
}

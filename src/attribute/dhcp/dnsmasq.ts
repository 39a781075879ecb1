import type { LeaseRecord } from '../../domain/lease.js';
import type { LeaseContext, LeaseFormat, LeaseReader } from '../lease-format.js';
import { canonicalHex } from './dhcp-identifiers.js';
import { canonicalAddress, leaseEvent, lineEvidence, rejectedLine, withoutCr } from './lease-records.js';

// Two files of dnsmasq (2.x), told apart line by line, so one format reads either:
//
// the lease file (--dhcp-leasefile, /var/lib/misc/dnsmasq.leases), a snapshot of the leases held now:
//
//   1795564738 02:00:00:fa:00:01 10.250.1.121 mzg-client 01:02:00:00:fa:00:01
//   duid 00:01:00:01:32:98:e0:c3:fa:39:43:b9:97:10
//   1795564739 16384001 fd00:250:1::14c mzg-client6 00:01:00:01:32:98:e0:ca:02:00:00:fa:00:01
//
// (expiry in epoch seconds, 0 for an infinite lease; MAC, address, host name or *, client id or *; after the
// server's `duid` line the DHCPv6 leases: expiry, IAID (T before it for a temporary address), address, host
// name, the client's DUID). Each line is an update at ctx.now (the time the snapshot was taken), or the
// lease's end when it had expired by then. A MAC of another hardware type is written `TYPE-xx:xx:…`.
//
// and the lines our scripts/dnsmasq-lease-event.sh (dnsmasq's --dhcp-script) appends at every change:
//
//   1795564618 add 02:00:00:fa:00:01 10.250.1.121 mzg-client expires=1795564738 remaining=120 interface=sv0 …
//
// (time, add/old/del, MAC or DUID, address, host name or -, then name=value pairs). add is a start, old a
// renewal (or dnsmasq's start-up roll call; with --script-on-renewal also every renewal), del the end: at the
// time of the line, or at the expiry when that came first (dnsmasq deletes expired leases when it gets round
// to it). Session `dnsmasq/ADDRESS/MAC` (DUID for DHCPv6) for both, so the two files name one lease alike.
// The subscriber key is the relay agent's circuit id when the script line has one (the lease file never
// does), else the MAC; for DHCPv6 the DUID.

const ACTIONS = { add: 'start', old: 'update', del: 'stop' } as const;

export const dnsmasq: LeaseFormat = {
  name: 'dnsmasq',
  reader(ctx: LeaseContext): LeaseReader {
    return {
      line(raw, line) {
        const text = withoutCr(raw);
        if (text.trim() === '') return [];
        const fields = text.split(' ');
        const reject = (reason: string) => [rejectedLine(reason, line, raw)];
        if (fields[0] === 'duid')
          return fields.length === 2 ? [] : reject('the server "duid" line should have one DUID');
        if (fields.length >= 5 && Object.hasOwn(ACTIONS, fields[1]!)) return readEvent(fields, line, reject);
        if (fields.length === 5) return readLeaseLine(fields, line, ctx, reject);
        return reject(
          'neither a dnsmasq lease line (expiry MAC address hostname client-id) nor a line of ' +
            'dnsmasq-lease-event.sh (time add|old|del MAC address hostname name=value …)',
        );
      },
      end: () => [],
      pendingFrom: () => undefined,
    };
  },
};

type Reject = (reason: string) => LeaseRecord[];

/** The client: a MAC (with `TYPE-` before it when not Ethernet) for DHCPv4, a DUID for DHCPv6. */
function readClient(text: string, v6: boolean): { holder: string; hardwareType?: string } | string {
  const typed = /^(\d+)-(.*)$/.exec(text);
  const hex = canonicalHex(typed === null || v6 ? text : typed[2]!);
  if (hex === undefined) return `${v6 ? 'the DUID' : 'the MAC'} "${text}" is not colon-separated hex`;
  return typed === null || v6 ? { holder: hex } : { holder: hex, hardwareType: typed[1]! };
}

function readLeaseLine(fields: string[], line: number, ctx: LeaseContext, reject: Reject): LeaseRecord[] {
  const [expiryText, second, addressText, hostname, clientText] = fields as [string, string, string, string, string];
  if (!/^\d{1,12}$/.test(expiryText)) return reject(`the expiry "${expiryText}" is not epoch seconds`);
  const address = canonicalAddress(addressText);
  if (address === undefined) return reject(`"${addressText}" is not an IP address`);
  const v6 = address.includes(':');
  const expiry = Number(expiryText) * 1000;
  let holder: string;
  let hardwareType: string | undefined;
  let clientId: string | undefined;
  let iaid: string | undefined;
  if (v6) {
    if (!/^T?\d{1,10}$/.test(second)) return reject(`the IAID "${second}" is not a number`);
    iaid = second;
    const duid = readClient(clientText, true);
    if (typeof duid === 'string') return reject(duid);
    holder = duid.holder;
  } else {
    const client = readClient(second, false);
    if (typeof client === 'string') return reject(client);
    ({ holder, hardwareType } = client);
    if (clientText !== '*') {
      clientId = canonicalHex(clientText);
      if (clientId === undefined) return reject(`the client id "${clientText}" is not colon-separated hex`);
    }
  }
  const expired = expiry !== 0 && expiry <= ctx.now;
  return [
    leaseEvent({
      session: `dnsmasq/${address}/${holder}`,
      action: expired ? 'stop' : 'update',
      at: expired ? expiry : ctx.now,
      expiresAt: expired || expiry === 0 ? undefined : expiry,
      address,
      subscriberKey: holder,
      keyKind: v6 ? 'client-id' : 'mac',
      evidence: lineEvidence(line),
      detail: {
        hostname: hostname === '*' ? undefined : hostname,
        'client-id': clientId,
        'hardware-type': hardwareType,
        iaid,
      },
    }),
  ];
}

/** The name=value pairs of a script line that are kept as evidence, by the detail key they go under. */
const KEPT = ['interface', 'relay', 'remote-id', 'subscriber-id', 'client-id', 'mac', 'iaid', 'domain', 'tags'];

function readEvent(fields: string[], line: number, reject: Reject): LeaseRecord[] {
  const [timeText, actionText, clientText, addressText, hostname] = fields as [string, string, string, string, string];
  if (!/^\d{1,12}$/.test(timeText)) return reject(`the time "${timeText}" is not epoch seconds`);
  const address = canonicalAddress(addressText);
  if (address === undefined) return reject(`"${addressText}" is not an IP address`);
  const v6 = address.includes(':');
  const client = readClient(clientText, v6);
  if (typeof client === 'string') return reject(client);
  const values = new Map<string, string>();
  for (const pair of fields.slice(5)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return reject(`"${pair}" is not name=value`);
    // The script writes no empty values; one here says nothing.
    if (eq < pair.length - 1) values.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const time = Number(timeText) * 1000;
  const seconds = (name: string): number | undefined | false => {
    const value = values.get(name);
    if (value === undefined) return undefined;
    return /^\d{1,12}$/.test(value) ? Number(value) : false;
  };
  const expires = seconds('expires');
  const length = seconds('length');
  if (expires === false || length === false) return reject('expires= and length= should be whole seconds');
  // dnsmasq built with HAVE_BROKEN_RTC gives the lease length instead of the expiry; 0 is an infinite lease.
  const expiresAt =
    expires !== undefined && expires > 0
      ? expires * 1000
      : length !== undefined && length > 0
        ? time + length * 1000
        : undefined;

  const action = ACTIONS[actionText as keyof typeof ACTIONS];
  const circuitId = v6 ? undefined : values.get('circuit-id');
  const at = action === 'stop' && expiresAt !== undefined ? Math.min(time, expiresAt) : time;
  const detail: Record<string, string | undefined> = {
    hostname: hostname === '-' ? undefined : hostname,
    'hardware-type': client.hardwareType,
    mac: circuitId !== undefined ? client.holder : undefined,
  };
  for (const name of KEPT) if (values.has(name) && detail[name] === undefined) detail[name] = values.get(name);
  return [
    leaseEvent({
      session: `dnsmasq/${address}/${client.holder}`,
      action,
      at,
      expiresAt: action === 'stop' ? undefined : expiresAt,
      address,
      subscriberKey: circuitId ?? client.holder,
      keyKind: v6 ? 'client-id' : circuitId !== undefined ? 'circuit' : 'mac',
      evidence: lineEvidence(line),
      detail,
    }),
  ];
}

import type { LeaseAction, LeaseRecord } from '../../domain/lease.js';
import { readStructuredData } from '../../observe/syslog/structured-data.js';
import type { LeaseContext, LeaseFormat, LeaseReader } from '../lease-format.js';
import { lineHead } from './line-head.js';
import { canonicalAddress, portNumber } from './nat-fields.js';
import { portBlockEvent, rejectedLine } from './port-block-event.js';

// FD.io VPP NAT (nat44-ei, nat44-ed, nat64, DS-Lite) syslog: RFC 5424 over UDP, APP-NAME `NAT`, facility local0,
// severity informational, everything in one SD-ELEMENT and no MSG (src/plugins/nat/lib/nat_syslog.c):
//   <134>1 2026-11-24T01:00:00.252715Z 192.0.2.1 NAT 5901 SADD [nsess SSUBIX="0" SVLAN="0" IATYP="IPv4"
//     ISADDR="100.64.0.5" ISPORT="6303" XATYP="IPv4" XSADDR="203.0.113.1" XSPORT="16253" PROTO="6"
//     XDADDR="198.51.100.7" XDPORT="443"]
//   … APMADD [napmap SSUBIX="0" SVLAN="0" IATYP="IPv4" ISADDR="…" ISPORT="…" XATYP="IPv4" XSADDR="…"
//     XSPORT="…" PROTO="17"]
// MSGID SADD / SDEL is a session (one translation to one destination) added / deleted; APMADD / APMDEL an
// address-and-port mapping (endpoint-independent) added / deleted. Each holds one public port: [XSPORT, XSPORT].
// NAT64 sessions have IATYP="IPv6" and no SSUBIX; DS-Lite mappings name the B4's IPv6 address in SV6ENC instead of
// SVLAN, and that address, not the shared 192.0.0.x ISADDR, is the subscriber's. SVLAN is the inside VRF table id.
//
// The structured data is the whole message, so files must keep it: rsyslog's traditional file formats drop it
// (use RSYSLOG_SyslogProtocol23Format or %STRUCTURED-DATA%). Lines are read wherever the `[nsess`/`[napmap`
// element sits, with the MSGID as the word before it.

const ACTIONS: Record<string, { action: LeaseAction; element: 'nsess' | 'napmap' }> = {
  SADD: { action: 'start', element: 'nsess' },
  SDEL: { action: 'stop', element: 'nsess' },
  APMADD: { action: 'start', element: 'napmap' },
  APMDEL: { action: 'stop', element: 'napmap' },
};

export const vppNat: LeaseFormat = {
  name: 'vpp-nat',
  reader(ctx: LeaseContext): LeaseReader {
    return {
      line: (text, line) => readLine(text, line, ctx),
      end: () => [],
      pendingFrom: () => undefined,
    };
  },
};

function readLine(text: string, line: number, ctx: LeaseContext): LeaseRecord[] {
  let at = text.indexOf('[nsess');
  if (at < 0) at = text.indexOf('[napmap');
  if (at < 0) return strippedVppLine(text, line);
  const reject = (why: string) => [rejectedLine(why, line, text)];
  const before = text.slice(0, at).trimEnd();
  const msgid = before.slice(before.lastIndexOf(' ') + 1);
  const kind = Object.hasOwn(ACTIONS, msgid) ? ACTIONS[msgid]! : undefined;
  if (kind === undefined)
    return reject(
      `the word before the structured data is "${msgid}", not the MSGID SADD, SDEL, APMADD or APMDEL: ` +
        'without it an add cannot be told from a delete; keep the RFC 5424 header when the log is written',
    );
  const sd = readStructuredData(text, at);
  if (typeof sd === 'string')
    return reject(
      `${msgid}: ${sd}. VPP cuts messages at max-msg-size (480 bytes unless "set syslog sender … max-msg-size" ` +
        'raises it), which cuts long IPv6 messages short',
    );
  const element = sd.elements.find((e) => e.id === kind.element || e.id.startsWith(`${kind.element}@`));
  if (element === undefined) return reject(`${msgid}: the structured data has no [${kind.element} …] element`);
  const p = new Map(element.params);

  const b4 = p.get('SV6ENC');
  const inside = canonicalAddress(b4 ?? p.get('ISADDR') ?? '');
  if (inside === undefined)
    return reject(
      `${msgid}: ${b4 !== undefined ? 'SV6ENC' : 'ISADDR'} "${b4 ?? p.get('ISADDR') ?? ''}" is not an IP address`,
    );
  const address = canonicalAddress(p.get('XSADDR') ?? '');
  if (address === undefined) return reject(`${msgid}: XSADDR "${p.get('XSADDR') ?? ''}" is not an IP address`);
  const port = portNumber(p.get('XSPORT') ?? '');
  if (port === undefined) return reject(`${msgid}: XSPORT "${p.get('XSPORT') ?? ''}" is not a port number`);
  const proto = p.get('PROTO');
  const insidePort = p.get('ISPORT');
  if (
    proto === undefined ||
    !/^\d{1,3}$/.test(proto) ||
    insidePort === undefined ||
    portNumber(insidePort) === undefined
  )
    return reject(`${msgid}: PROTO and ISPORT are needed to join this ${kind.element} to its delete`);

  const head = lineHead(before, ctx);
  if (typeof head === 'string') return reject(`${msgid}: ${head}`);
  if (head.time === undefined)
    return reject(`${msgid}: the line has no time stamp; keep the RFC 5424 TIMESTAMP when the log is written`);

  const detail: Record<string, string> = { protocol: proto, insidePort };
  if (head.host !== undefined) detail.host = head.host;
  if (b4 !== undefined && p.has('ISADDR')) detail.insideIpv4 = p.get('ISADDR')!;
  // One public port is shared by a mapping's sessions (endpoint-independent NAT), so a session is told apart
  // from its siblings by its destination.
  let qualifier = `${proto}/${insidePort}`;
  if (kind.element === 'nsess') {
    const destination = canonicalAddress(p.get('XDADDR') ?? '');
    const destinationPort = portNumber(p.get('XDPORT') ?? '');
    if (destination === undefined || destinationPort === undefined)
      return reject(`${msgid}: XDADDR and XDPORT are needed to tell this session from others on the same port`);
    qualifier += `/${destination}:${destinationPort}`;
    detail.destination = destination.includes(':')
      ? `[${destination}]:${destinationPort}`
      : `${destination}:${destinationPort}`;
  }
  const vrf = p.get('SVLAN');
  return [
    portBlockEvent({
      format: 'vpp-nat',
      action: kind.action,
      at: head.time,
      address,
      ports: [port, port],
      inside,
      ...(vrf === undefined || b4 !== undefined ? {} : { scope: `vrf${vrf}` }),
      qualifier,
      line,
      detail,
    }),
  ];
}

const STRIPPED = /\bNAT(?:\[\d+\])?: ?$/;

/**
 * A VPP NAT message written by something that keeps neither MSGID nor structured data (rsyslog's
 * traditional file format) is only `… NAT[5901]:`. It was meant to be a lease record, so it is refused with
 * the fix rather than skipped.
 */
function strippedVppLine(text: string, line: number): LeaseRecord[] {
  if (!STRIPPED.test(text)) return [];
  return [
    rejectedLine(
      'a VPP NAT message without its MSGID and structured data, which hold all it says: it was written by ' +
        'something that keeps only the MSG (rsyslog RSYSLOG_TraditionalFileFormat, a relay that rewrites to ' +
        'RFC 3164); write VPP NAT logs with RSYSLOG_SyslogProtocol23Format or keep the raw datagrams',
      line,
      text,
    ),
  ];
}

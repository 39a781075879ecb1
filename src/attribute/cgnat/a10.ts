import type { LeaseAction, LeaseRecord } from '../../domain/lease.js';
import type { LeaseContext, LeaseFormat, LeaseReader } from '../lease-format.js';
import { lineHead } from './line-head.js';
import { canonicalAddress, portNumber, portRange, protocolNumber } from './nat-fields.js';
import { portBlockEvent, rejectedLine } from './port-block-event.js';

// A10 Thunder CGN (ACOS cgnv6) logs of who holds a block of public ports:
//
// ASCII port-batch and fixed-NAT messages, a tag then `[PROTO] INSIDE -> PUBLIC:FIRST-LAST`:
//   NAT-PB-ALLOC: TCP 100.64.1.1 -> 203.0.113.5:2000-2999      (port batch allocated)
//   NAT-PB-FREE: TCP 100.64.1.1 -> 203.0.113.5:2000-2999       (port batch freed)
//   FIXED-NAT-PORTS 100.64.1.2->203.0.113.5:3000-4000          (a fixed-NAT block)
// ACOS's logging template has allocated / interim-update / freed message types for both port batches and fixed
// NAT, but no A10 manual page with the literal ASCII wording was reachable (a10.test.ts says where each form
// comes from), so the tag's last word is read as a family: ALLOC(ATED) starts, FREE(D) stops, INTERIM / UPDATE
// and PORTS (which does not say whether the block was just allocated) say it is held now; any other word is
// refused with the ones that are read.
// Per-port mappings (no port batching), created / deleted, one public port each:
//   NAT-UDP-C: 100.64.1.3:10000 -> 203.0.113.5: 10000     (also written `<-->`, with ` to DEST:PORT` after)
// CEF, when the logging template says `format cef`:
//   CEF:0|A10|CFW|6.0.0-P1|CGN 106|Nat Port Batch Pool Allocated|5|proto=UDP src=100.65.140.73
//     sourceTranslatedAddress=203.0.113.12 sourceTranslatedPort=22016 cn3=22271 cn3Label=Last Nat Port
//   CGN 107 … Freed; CGN 100 / 101 Nat Port Allocated / Freed (one port: spt, sourceTranslatedPort).
// Other CGN events (sessions, pool alarms) say nothing about who holds a block and are passed over.

const ACTIONS: Record<string, LeaseAction> = {
  ALLOC: 'start',
  ALLOCATED: 'start',
  PORTS: 'update',
  INTERIM: 'update',
  UPDATE: 'update',
  FREE: 'stop',
  FREED: 'stop',
};

const ASCII_TAG = /\b(NAT-PB|FIXED-NAT)[- ]([A-Z]+)\b:?/;
const PORT_TAG = /\bNAT-(TCP|UDP|ICMP)-([CD]): (\S+?):(\d+) ?<?--?> ?(\S+?): ?(\d+)(?:\s|$)/;
const BODY = /^(?:(TCP|UDP|ICMP|ICMPv6|\d{1,3}) +)?(\S+?) *-> *(\S+):(\d+)-(\d+)(?:\s|$)/i;
const CEF = /CEF:\d+\|A10\|/;
const CEF_EVENTS: Record<string, { action: LeaseAction; batch: boolean }> = {
  'CGN 100': { action: 'start', batch: false },
  'CGN 101': { action: 'stop', batch: false },
  'CGN 106': { action: 'start', batch: true },
  'CGN 107': { action: 'stop', batch: true },
};

export const a10: LeaseFormat = {
  name: 'a10',
  reader(ctx: LeaseContext): LeaseReader {
    return {
      line: (text, line) => readLine(text, line, ctx),
      end: () => [],
      pendingFrom: () => undefined,
    };
  },
};

type Said = {
  action: LeaseAction;
  protocol?: string;
  inside: string;
  address: string;
  first: string;
  last: string;
  kind: string;
  /** Where the message starts, so the syslog header before it can be read. */
  at: number;
  insidePort?: string;
};

function readLine(text: string, line: number, ctx: LeaseContext): LeaseRecord[] {
  const said = ascii(text) ?? cef(text);
  if (said === undefined) return [];
  if (typeof said === 'string') return [rejectedLine(said, line, text)];
  const reject = (why: string) => [rejectedLine(`${said.kind}: ${why}`, line, text)];
  const inside = canonicalAddress(said.inside);
  if (inside === undefined) return reject(`the inside address "${said.inside}" is not an IP address`);
  const address = canonicalAddress(said.address);
  if (address === undefined) return reject(`the NAT address "${said.address}" is not an IP address`);
  const ports = portRange(said.first, said.last);
  if (typeof ports === 'string') return reject(ports);
  if (said.insidePort !== undefined && portNumber(said.insidePort) === undefined)
    return reject(`the inside port "${said.insidePort}" is not a port number`);
  const head = lineHead(text.slice(0, said.at), ctx);
  if (typeof head === 'string') return reject(head);
  if (head.time === undefined)
    return reject(
      'the line has no time stamp: keep the syslog header (or the collector stamp) when the log is written',
    );

  const detail: Record<string, string> = {};
  if (head.host !== undefined) detail.host = head.host;
  if (said.protocol !== undefined) detail.protocol = said.protocol;
  // Blocks are handed out per protocol, so TCP and UDP blocks of one subscriber can share their numbers.
  let qualifier = said.protocol === undefined ? undefined : protocolNumber(said.protocol);
  if (said.insidePort !== undefined) {
    detail.insidePort = said.insidePort;
    qualifier = `${qualifier ?? '-'}/${said.insidePort}`;
  }
  return [
    portBlockEvent({
      format: 'a10',
      action: said.action,
      at: head.time,
      address,
      ports,
      inside,
      ...(qualifier === undefined ? {} : { qualifier }),
      line,
      detail,
    }),
  ];
}

function ascii(text: string): Said | string | undefined {
  const port = PORT_TAG.exec(text);
  if (port) {
    const [, protocol, event, inside, insidePort, address, natPort] = port;
    return {
      action: event === 'C' ? 'start' : 'stop',
      protocol: protocol!,
      inside: inside!,
      address: address!,
      first: natPort!,
      last: natPort!,
      kind: `NAT-${protocol}-${event}`,
      at: port.index,
      insidePort: insidePort!,
    };
  }
  const tag = ASCII_TAG.exec(text);
  if (!tag) return undefined;
  const kind = `${tag[1]}-${tag[2]}`;
  const action = Object.hasOwn(ACTIONS, tag[2]!) ? ACTIONS[tag[2]!] : undefined;
  if (action === undefined)
    return `${kind}: unknown event "${tag[2]}"; expected ALLOC, FREE, INTERIM (or PORTS for fixed NAT)`;
  const body = BODY.exec(text.slice(tag.index + tag[0].length).trimStart());
  if (!body) return `${kind}: the message is not "[PROTOCOL] INSIDE -> PUBLIC:FIRST-LAST"`;
  const said: Said = {
    action,
    inside: body[2]!,
    address: body[3]!,
    first: body[4]!,
    last: body[5]!,
    kind,
    at: tag.index,
  };
  if (body[1] !== undefined) said.protocol = body[1].toUpperCase();
  return said;
}

function cef(text: string): Said | string | undefined {
  const m = CEF.exec(text);
  if (!m) return undefined;
  // CEF:Version|Vendor|Product|Version|Signature ID|Name|Severity|Extension, `|` escaped as `\|` in the header.
  const header = splitHeader(text.slice(m.index));
  if (header === undefined) return undefined;
  const [, , , , signature, name, , extension] = header;
  const event = Object.hasOwn(CEF_EVENTS, signature!) ? CEF_EVENTS[signature!] : undefined;
  if (event === undefined) return undefined;
  const kind = `${signature} ${name}`;
  const ext = cefExtension(extension!);
  const inside = ext.get('src');
  const address = ext.get('sourceTranslatedAddress');
  const first = ext.get('sourceTranslatedPort');
  if (inside === undefined || address === undefined || first === undefined)
    return `${kind}: the extension needs src, sourceTranslatedAddress and sourceTranslatedPort`;
  let last = first;
  if (event.batch) {
    // ACOS puts the batch's last port in a custom number field labelled "Last Nat Port".
    const slot = ['cn1', 'cn2', 'cn3'].find((k) => ext.get(`${k}Label`) === 'Last Nat Port');
    const value = slot === undefined ? undefined : ext.get(slot);
    if (value === undefined) return `${kind}: no custom number labelled "Last Nat Port" gives the batch's last port`;
    last = value;
  }
  const said: Said = { action: event.action, inside, address, first, last, kind, at: m.index };
  const proto = ext.get('proto');
  if (proto !== undefined) said.protocol = proto.toUpperCase();
  const spt = ext.get('spt');
  if (!event.batch && spt !== undefined) said.insidePort = spt;
  return said;
}

/** The eight CEF header fields; `\|` and `\\` stand for themselves. Undefined when there are fewer. */
function splitHeader(text: string): string[] | undefined {
  const fields: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (fields.length === 7) {
      fields.push(text.slice(i));
      return fields;
    }
    if (c === '\\' && (text[i + 1] === '|' || text[i + 1] === '\\')) {
      current += text[++i];
    } else if (c === '|') {
      fields.push(current);
      current = '';
    } else current += c;
  }
  return fields.length === 7 ? [...fields, current] : undefined;
}

/** CEF extension `key=value key=value`: a value runs to the next ` key=`, so it may hold spaces; `\=` is `=`. */
function cefExtension(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const keys = [...text.matchAll(/(?:^|\s)([A-Za-z0-9_]+)=/g)];
  keys.forEach((k, n) => {
    const start = k.index + k[0].length;
    const end = n + 1 < keys.length ? keys[n + 1]!.index : text.length;
    out.set(
      k[1]!,
      text
        .slice(start, end)
        .trim()
        .replace(/\\([=\\])/g, '$1'),
    );
  });
  return out;
}

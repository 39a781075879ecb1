import type { LeaseAction, LeaseRecord } from '../../domain/lease.js';
import { readStructuredData, type SdElement } from '../../observe/syslog/structured-data.js';
import type { LeaseContext, LeaseFormat, LeaseReader } from '../lease-format.js';
import { lineHead } from './line-head.js';
import { canonicalAddress, portRange } from './nat-fields.js';
import { portBlockEvent, rejectedLine } from './port-block-event.js';

// Juniper port block allocation (secured PBA) logs, in the two families Junos writes them:
//
// MS-DPC / MS-MPC services PICs (`jservices-nat`), standard format, behind the PIC prefix the Junos syslog
// reference describes (`(FPC Slot f, PIC Slot p) {service-set}[SERVICE]: TAG: text`):
//   JSERVICES_NAT_PORT_BLOCK_ALLOC: 100.64.0.5 -> 203.0.113.1:1024-1279 0x6a44007a
//   JSERVICES_NAT_PORT_BLOCK_ACTIVE: …   (interim re-send, `pba-interim-logging-interval`; the tag as this
//                                          project's brief names it, Juniper's interim page does not)
//   JSERVICES_NAT_PORT_BLOCK_RELEASE: …
// SRX and MX-SPC3 (`RT_NAT`), standard format:
//   RT_SRC_NAT_PBA_ALLOC: Subscriber 100.64.60.74 used/maximum [10/15] blocks, allocates port block
//     [24064-24191] from 203.0.113.100 in source pool POOL lsys_id: 0 epoch 0x6a44007a
//   RT_SRC_NAT_PBA_INTERIM / RT_SRC_NAT_PBA_RELEASE (`releases port block …`)
// and structured-data format (`set system syslog … structured-data`), where the same values are parameters:
//   RT_SRC_NAT_PBA_ALLOC [junos@2636.1.1.1.2.x internal-ip="…" block-port-low="…" block-port-high="…"
//     reflexive-ip="…" nat-pool-name="…" logical-system-id="0" epoch-time-64="6a44007a"]
// Junos puts the standard message text after the structured data too; whichever is present is read.
//
// The hexadecimal epoch is the device's own UTC clock in seconds (a captured ALLOC line stamped
// `Jun 30 22:44:25` at UTC+5 carries 0x6a44007a = 17:44:26 UTC), so it is the time of an allocation or release.
// An interim log is read at its syslog stamp instead: what it adds is "still held now", and the epoch it
// carries may be the allocation's.

type Tag = { action: LeaseAction; family: 'jservices' | 'rt' };

const TAGS: Record<string, Tag> = {
  JSERVICES_NAT_PORT_BLOCK_ALLOC: { action: 'start', family: 'jservices' },
  JSERVICES_NAT_PORT_BLOCK_ACTIVE: { action: 'update', family: 'jservices' },
  JSERVICES_NAT_PORT_BLOCK_RELEASE: { action: 'stop', family: 'jservices' },
  RT_SRC_NAT_PBA_ALLOC: { action: 'start', family: 'rt' },
  RT_SRC_NAT_PBA_INTERIM: { action: 'update', family: 'rt' },
  RT_SRC_NAT_PBA_RELEASE: { action: 'stop', family: 'rt' },
};

/** What a PBA message says, before it is checked. */
type Said = {
  inside?: string;
  address?: string;
  first?: string;
  last?: string;
  epoch?: string;
  pool?: string;
  lsys?: string;
  blocks?: string;
};

const TAG_WORD = /[A-Z_]+/y;
const ARROW = /^(\S+) -> (\S+):(\d+)-(\d+)(?:\s+0x([0-9a-fA-F]{1,16}))?/;
const SUBSCRIBER = /\bSubscriber (\S+)/;
const BLOCK = /\bport block \[(\d+)-(\d+)\]/;
const FROM = /\bfrom (\S+)/;
const POOL = /\bsource pool (\S+)/;
const LSYS = /\blsys_id: ?(\d+)/;
const EPOCH = /\bepoch (?:0x)?([0-9a-fA-F]{1,16})\b/;
const BLOCKS = /used\/maximum \[(\d+\/\d+)\]/;
const SERVICE_SET = /\{([^{}\s]+)\}/;

export const juniperPba: LeaseFormat = {
  name: 'juniper-pba',
  reader(ctx: LeaseContext): LeaseReader {
    return {
      line: (text, line) => readLine(text, line, ctx),
      end: () => [],
      pendingFrom: () => undefined,
    };
  },
};

function readLine(text: string, line: number, ctx: LeaseContext): LeaseRecord[] {
  let at = text.indexOf('JSERVICES_NAT_PORT_BLOCK_');
  if (at < 0) at = text.indexOf('RT_SRC_NAT_PBA_');
  if (at < 0) return [];
  TAG_WORD.lastIndex = at;
  const name = TAG_WORD.exec(text)![0];
  const tag = TAGS[name];
  // Other messages of these families (exhaustion, alarms) say nothing about who holds a block.
  if (tag === undefined) return [];
  let i = at + name.length;
  if (text.charCodeAt(i) === 58) i++;
  while (text.charCodeAt(i) === 32) i++;
  let said: Said = {};
  if (text.charCodeAt(i) === 91) {
    const sd = readStructuredData(text, i);
    if (typeof sd === 'string') return [rejectedLine(`${name}: ${sd}; the structured data is damaged`, line, text)];
    said = fromParams(sd.elements);
    i = sd.end;
    while (text.charCodeAt(i) === 32) i++;
  }
  const message = text.slice(i);
  said = { ...fromText(message, tag), ...definedOnly(said) };
  return [toRecord(said, name, tag, text, at, line, ctx)];
}

function toRecord(said: Said, name: string, tag: Tag, text: string, at: number, line: number, ctx: LeaseContext) {
  const reject = (why: string) => rejectedLine(`${name}: ${why}`, line, text);
  const expected =
    tag.family === 'jservices'
      ? '"INSIDE -> PUBLIC:FIRST-LAST"'
      : '"Subscriber INSIDE … port block [FIRST-LAST] from PUBLIC"';
  if (said.inside === undefined || said.address === undefined || said.first === undefined || said.last === undefined)
    return reject(`the message is not ${expected}; it may be cut short or from an unsupported Junos release`);
  const inside = canonicalAddress(said.inside);
  if (inside === undefined) return reject(`the inside address "${said.inside}" is not an IP address`);
  const address = canonicalAddress(said.address);
  if (address === undefined) return reject(`the public address "${said.address}" is not an IP address`);
  const ports = portRange(said.first, said.last);
  if (typeof ports === 'string') return reject(ports);

  const epoch = said.epoch === undefined ? undefined : epochTime(said.epoch);
  if (epoch === null) return reject(`the epoch 0x${said.epoch} is not a time between 1970 and 9999`);
  const head = lineHead(text.slice(0, at), ctx);
  const stamp = typeof head === 'string' ? undefined : head.time;
  const when = tag.action === 'update' ? (stamp ?? epoch) : (epoch ?? stamp);
  if (when === undefined)
    return reject(
      typeof head === 'string'
        ? `${head}, and the message carries no epoch`
        : 'the line has neither a syslog time stamp nor an epoch: keep the syslog header when the log is written',
    );

  const detail: Record<string, string> = {};
  if (typeof head !== 'string' && head.host !== undefined) detail.host = head.host;
  if (said.pool !== undefined) detail.pool = said.pool;
  if (said.blocks !== undefined) detail.blocks = said.blocks;
  if (epoch !== undefined) detail.epoch = new Date(epoch).toISOString();
  const scope = tag.family === 'jservices' ? SERVICE_SET.exec(text.slice(0, at))?.[1] : logicalSystem(said.lsys);
  return portBlockEvent({
    format: 'juniper-pba',
    action: tag.action,
    at: when,
    address,
    ports,
    inside,
    ...(scope === undefined ? {} : { scope }),
    line,
    detail,
  });
}

const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Seconds since the epoch in hexadecimal, as ms; null when it is no time a log could be from. */
function epochTime(hex: string): number | null {
  const ms = parseInt(hex, 16) * 1000;
  return ms > 0 && ms <= LATEST ? ms : null;
}

/** The root logical system is the default; only another one sets two uses of a private address apart. */
function logicalSystem(id: string | undefined): string | undefined {
  return id === undefined || /^0+$/.test(id) ? undefined : `lsys${id}`;
}

function fromText(message: string, tag: Tag): Said {
  if (tag.family === 'jservices') {
    const m = ARROW.exec(message);
    if (!m) return {};
    const said: Said = { inside: m[1]!, address: m[2]!, first: m[3]!, last: m[4]! };
    if (m[5] !== undefined) said.epoch = m[5];
    return said;
  }
  const said: Said = {};
  const set = (key: keyof Said, m: RegExpExecArray | null, group = 1) => {
    if (m) said[key] = m[group]!;
  };
  set('inside', SUBSCRIBER.exec(message));
  const block = BLOCK.exec(message);
  if (block) {
    said.first = block[1]!;
    said.last = block[2]!;
  }
  set('address', FROM.exec(message));
  set('pool', POOL.exec(message));
  set('lsys', LSYS.exec(message));
  set('epoch', EPOCH.exec(message));
  set('blocks', BLOCKS.exec(message));
  return said;
}

/** The values of a `junos@2636…` element, by the parameter names Junos gives the message's variables. */
function fromParams(elements: SdElement[]): Said {
  const said: Said = {};
  const names: Record<string, keyof Said> = {
    'internal-ip': 'inside',
    'source-address': 'inside',
    'reflexive-ip': 'address',
    'nat-address': 'address',
    'block-port-low': 'first',
    'block-port-high': 'last',
    'nat-pool-name': 'pool',
    'logical-system-id': 'lsys',
    'epoch-time-64': 'epoch',
    'epoch-time': 'epoch',
  };
  for (const element of elements) {
    if (!element.id.startsWith('junos@')) continue;
    for (const [name, value] of element.params) {
      const key = names[name];
      if (key !== undefined && value !== '') said[key] = value.replace(/^0x/i, '');
    }
    const used = element.params.find(([n]) => n === 'block-used')?.[1];
    const max = element.params.find(([n]) => n === 'block-max-per-host')?.[1];
    if (used !== undefined && max !== undefined) said.blocks = `${used}/${max}`;
  }
  return said;
}

function definedOnly(said: Said): Said {
  return Object.fromEntries(Object.entries(said).filter(([, v]) => v !== undefined)) as Said;
}

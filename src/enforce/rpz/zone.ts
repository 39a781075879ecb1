import type { EnforceConfig } from '../../config/enforce-schema.js';
import type { PolicyEntry, PolicySnapshot } from '../snapshot.js';
import { ipTriggerLabel } from './ip-trigger.js';

// The policy zone as data: what `render` turns a snapshot into, what the transfer server serves and
// diffs for IXFR, and what the zone file says. Names are absolute and lower case, with the trailing dot.

export type Soa = {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
};

export type ZoneRecord = {
  /** Absolute owner name: `evil.example.rpz.mizugiwa.`, `*.evil.example.rpz.mizugiwa.`. */
  name: string;
  type: 'A' | 'AAAA' | 'CNAME';
  ttl: number;
  /** Presentation form: an address, or an absolute name (`.`, `*.`, `rpz-passthru.`). */
  data: string;
};

export type RpzZone = {
  /** `rpz.mizugiwa.` */
  origin: string;
  soa: Soa;
  /** NS targets of the apex (RPZ zones need one; it is never used). */
  ns: string[];
  ttl: number;
  /** Everything but the apex SOA and NS, sorted by recordKey, without duplicates. */
  records: ZoneRecord[];
};

/** Where the RPZ standard puts each action (draft-vixie-dnsop-dns-rpz). */
const ACTION_TARGET = {
  nxdomain: '.',
  nodata: '*.',
  drop: 'rpz-drop.',
  passthru: 'rpz-passthru.',
} as const;

/** The serial of version n: a publish is a change, so every version has a higher serial than the last. */
export function serialOf(version: number, firstSerial: number): number {
  return (firstSerial + version) % 2 ** 32;
}

/**
 * The zone a snapshot gives: for each domain a QNAME trigger on the name and on `*.` the name; for
 * each address and prefix an rpz-ip trigger (answers containing it); PASSTHRU for allowlisted names
 * under a listed parent; rpz-client-ip for restricted subscribers (every name they ask for answered
 * with the sinkhole, whose notice page tells them why). Monitor entries (and every entry
 * when the point is in monitor mode) are published as PASSTHRU, which resolvers log as a hit
 * (Unbound `rpz-log`, BIND's rpz category) without changing the answer.
 */
export function renderZone(snapshot: PolicySnapshot, config: EnforceConfig, serial: number): RpzZone {
  const rpz = config.rpz;
  const origin = rpz.zone;
  const monitorAll = config.monitor || rpz.monitor;
  const records: ZoneRecord[] = [];
  const add = (owner: string, type: ZoneRecord['type'], data: string) =>
    records.push({ name: `${owner}.${origin}`, type, ttl: rpz.ttl, data });
  const block = (owner: string) => {
    if (rpz.action !== 'redirect') return add(owner, 'CNAME', ACTION_TARGET[rpz.action]);
    if (rpz.sinkhole.cname) return add(owner, 'CNAME', rpz.sinkhole.cname);
    if (rpz.sinkhole.a) add(owner, 'A', rpz.sinkhole.a);
    if (rpz.sinkhole.aaaa) add(owner, 'AAAA', rpz.sinkhole.aaaa);
  };
  const apply = (owner: string, entry: PolicyEntry) => {
    if (entry.action === 'monitor' || monitorAll) add(owner, 'CNAME', ACTION_TARGET.passthru);
    else block(owner);
  };

  for (const entry of snapshot.entries) {
    if (entry.type === 'domain') {
      apply(entry.value, entry);
      apply(`*.${entry.value}`, entry);
    } else if (rpz.ip_triggers && (entry.type === 'ipv4' || entry.type === 'ipv6' || entry.type === 'cidr')) {
      // rpz-ip on a redirect would hand out the sinkhole for an answer that merely contains the address;
      // NXDOMAIN is what the draft recommends for IP triggers, so they never redirect.
      const owner = `${ipTriggerLabel(entry.value)}.rpz-ip`;
      if (entry.action === 'monitor' || monitorAll) add(owner, 'CNAME', ACTION_TARGET.passthru);
      else add(owner, 'CNAME', rpz.action === 'redirect' ? ACTION_TARGET.nxdomain : ACTION_TARGET[rpz.action]);
    }
  }
  for (const name of snapshot.passthru) {
    add(name, 'CNAME', ACTION_TARGET.passthru);
    add(`*.${name}`, 'CNAME', ACTION_TARGET.passthru);
  }
  // The walled garden: every name a restricted client looks up leads to the sinkhole's notice page,
  // whatever the action for listed names is. By address where one is configured: Unbound (1.17)
  // answers a client-ip trigger whose data is a CNAME with NODATA.
  const toNoticePage = (owner: string) => {
    if (rpz.sinkhole.a) add(owner, 'A', rpz.sinkhole.a);
    if (rpz.sinkhole.aaaa) add(owner, 'AAAA', rpz.sinkhole.aaaa);
    if (!rpz.sinkhole.a && !rpz.sinkhole.aaaa && rpz.sinkhole.cname) add(owner, 'CNAME', rpz.sinkhole.cname);
  };
  for (const prefix of snapshot.restrictedClients) {
    const owner = `${ipTriggerLabel(prefix)}.rpz-client-ip`;
    if (monitorAll) add(owner, 'CNAME', ACTION_TARGET.passthru);
    else toNoticePage(owner);
  }

  return {
    origin,
    soa: { mname: rpz.soa.mname, rname: rpz.soa.rname, serial, ...pick(rpz.soa) },
    ns: [rpz.soa.mname],
    ttl: rpz.ttl,
    records: sortUnique(records),
  };
}

function pick(soa: EnforceConfig['rpz']['soa']) {
  return { refresh: soa.refresh, retry: soa.retry, expire: soa.expire, minimum: soa.minimum };
}

/** Identity of a record within a zone: what IXFR adds and deletes. */
export function recordKey(r: ZoneRecord): string {
  return `${r.name} ${r.type} ${r.data}`;
}

function sortUnique(records: ZoneRecord[]): ZoneRecord[] {
  const keyed = records.map((r) => ({ key: recordKey(r), r }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out: ZoneRecord[] = [];
  let last = '';
  for (const { key, r } of keyed) {
    if (key === last) continue;
    out.push(r);
    last = key;
  }
  return out;
}

/** The zone in master-file form (RFC 1035 §5): what Knot Resolver and the file-load peer read. */
export function zoneText(zone: RpzZone): string {
  const { soa } = zone;
  const lines = [
    `; Response policy zone written by Mizugiwa. Serial ${soa.serial}. Do not edit: the next publish replaces it.`,
    `$ORIGIN ${zone.origin}`,
    `$TTL ${zone.ttl}`,
    `@ IN SOA ${soa.mname} ${soa.rname} ${soa.serial} ${soa.refresh} ${soa.retry} ${soa.expire} ${soa.minimum}`,
    ...zone.ns.map((ns) => `@ IN NS ${ns}`),
  ];
  const suffix = `.${zone.origin}`;
  for (const r of zone.records) {
    const owner = r.name.endsWith(suffix) ? r.name.slice(0, -suffix.length) : r.name;
    lines.push(`${owner} ${r.ttl} IN ${r.type} ${r.data}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Reads back a zone file this module wrote (not a general master-file parser: one record per line,
 * owners relative to $ORIGIN). Lets the transfer server restart from the file it last published.
 */
export function parseZoneText(text: string): RpzZone {
  let origin = '';
  let ttl = 0;
  let soa: Soa | undefined;
  const ns: string[] = [];
  const records: ZoneRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '' || line.startsWith(';')) continue;
    const f = line.split(' ');
    if (f[0] === '$ORIGIN') origin = f[1] as string;
    else if (f[0] === '$TTL') ttl = Number(f[1]);
    else if (f[0] === '@' && f[2] === 'SOA') {
      const [mname, rname, serial, refresh, retry, expire, minimum] = f.slice(3);
      soa = {
        mname: mname as string,
        rname: rname as string,
        serial: Number(serial),
        refresh: Number(refresh),
        retry: Number(retry),
        expire: Number(expire),
        minimum: Number(minimum),
      };
    } else if (f[0] === '@' && f[2] === 'NS') ns.push(f[3] as string);
    else if (f.length === 5 && f[2] === 'IN' && (f[3] === 'A' || f[3] === 'AAAA' || f[3] === 'CNAME')) {
      records.push({ name: `${f[0]}.${origin}`, type: f[3], ttl: Number(f[1]), data: f[4] as string });
    } else {
      throw new Error(`zone file line ${i + 1} is not one Mizugiwa writes: ${JSON.stringify(line.slice(0, 200))}`);
    }
  }
  if (!origin || !soa) throw new Error('zone file has no $ORIGIN or SOA: not one Mizugiwa writes');
  return { origin, soa, ns, ttl, records };
}

// XARF v4 (https://github.com/xarf/xarf-spec): one JSON object per report, `"xarf_version": "4.x.y"`, a `category`
// out of seven (messaging, connection, content, infrastructure, copyright, vulnerability, reputation) and a `type`
// within it; the reported party in `source_identifier` (+ `source_port`, which CGNAT attribution needs), the
// complainant in `reporter {org, contact, domain}`, the incident time in `timestamp`, then the fields of the
// category and type. Early 4.0 drafts wrote `class` where later ones write `category`; both are read.
// Required fields per category and type follow docs/specification.md; unknown fields are kept (the spec allows them).
// The helpers at the end are shared with the legacy readers in xarf-v3.ts.

import { z } from 'zod';
import type { AbuseEndpoint, AbuseEvent, RsitType } from '../../domain/abuse-event.js';
import { normaliseIp } from '../../net/ip.js';

export const V4_CATEGORIES = [
  'messaging',
  'connection',
  'content',
  'infrastructure',
  'copyright',
  'vulnerability',
  'reputation',
] as const;
export type V4Category = (typeof V4_CATEGORIES)[number];

/**
 * The RSIT class each category/type opens a case in. Types are the spec's (snake_case); the older drafts' names
 * (auth_failure, bot, vuln_scanning, open, ...) are listed too, since senders still write them.
 */
export const V4_RSIT: Record<V4Category, Record<string, RsitType>> = {
  messaging: {
    spam: 'spam',
    // Wanted by no one who receives it, sent in bulk: for the subscriber's case it is spam.
    bulk_messaging: 'spam',
    phishing: 'phishing',
  },
  connection: {
    login_attack: 'brute-force',
    auth_failure: 'brute-force',
    port_scan: 'scanner',
    // Probing for weak services and files (/.env, /.git/config) is information gathering, not yet an exploit.
    vulnerability_scan: 'scanner',
    vuln_scanning: 'scanner',
    reconnaissance: 'scanner',
    ddos: 'ddos',
    // The reported source reflects the traffic: the subscriber's device is an open amplifier to be closed.
    ddos_amplification: 'ddos-amplifier',
    sql_injection: 'exploit',
    infected_host: 'infected-system',
    bot: 'infected-system',
    // RSIT has no class for crawling; a person decides whether it is a nuisance or a proxy-ware infection.
    scraping: 'other',
  },
  content: {
    phishing: 'phishing',
    // The URL serves malware: the subscriber's host distributes it (the infected victims are elsewhere).
    malware: 'malware-distribution',
    // Scam shops, fake support and investment sites pose as someone they are not: RSIT's fraud/masquerade.
    fraud: 'masquerade',
    brand_infringement: 'masquerade',
    // RSIT files child sexual exploitation under abusive-content/violence.
    csam: 'violence',
    csem: 'violence',
    exposed_data: 'data-leak',
    // A webshell, defacement or injected redirect on a site: the application is compromised, not the whole host.
    remote_compromise: 'application-compromise',
    // A lookalike domain that has done nothing yet: a forecast, not an incident.
    suspicious_registration: 'other',
  },
  infrastructure: {
    botnet: 'infected-system',
    bot: 'infected-system',
    compromised_server: 'system-compromise',
  },
  copyright: {
    copyright: 'copyright',
    cyberlocker: 'copyright',
    link_site: 'copyright',
    p2p: 'copyright',
    usenet: 'copyright',
    ugc_platform: 'copyright',
  },
  vulnerability: {
    cve: 'vulnerable-system',
    // RSIT's vulnerable-system names misconfiguration among its examples.
    misconfiguration: 'vulnerable-system',
    open_service: 'potentially-unwanted-accessible',
    open: 'potentially-unwanted-accessible',
  },
  reputation: {
    // A listing says that an address is listed, not what it did: see V4_REVIEWED.
    blocklist: 'undetermined',
    threat_intelligence: 'undetermined',
  },
};

/** The class for a type the table does not know (a newer spec, a sender's own): the event then needs review. */
const V4_FALLBACK: Record<V4Category, RsitType> = {
  messaging: 'spam',
  connection: 'undetermined',
  content: 'undetermined',
  infrastructure: 'infected-system',
  copyright: 'copyright',
  vulnerability: 'vulnerable-system',
  reputation: 'undetermined',
};

/** Categories whose class is a guess whatever the type: a person reads threat_type and decides. */
const V4_REVIEWED: ReadonlySet<V4Category> = new Set(['reputation']);

// Field schemas with messages an operator can act on; `missing` is said by describeIssues.
const PORT = 'expected a port number from 1 to 65535';
const text = z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' });
const port = z.int({ error: PORT }).min(1, { error: PORT }).max(65535, { error: PORT });
const count = z.int({ error: 'expected a whole number' }).min(0, { error: 'expected a whole number' });
const list = z.array(z.unknown(), { error: 'expected an array' }).min(1, { error: 'expected at least one item' });
const dateTime = z.string({ error: 'expected an ISO 8601 date-time' }).refine((s) => utcTime(s) !== undefined, {
  error: 'expected an ISO 8601 date-time with a zone (2026-11-20T08:15:00Z)',
});
const ip = z
  .string({ error: 'expected an IPv4 or IPv6 address' })
  .refine((s) => ipAddress(s) !== undefined, { error: 'expected an IPv4 or IPv6 address' });
const cveId = z
  .string({ error: 'expected a CVE id' })
  .regex(/^CVE-\d{4}-\d{4,}$/, { error: 'expected CVE-YYYY-NNNNN' });
// Early drafts' reporter had org, contact and type; `domain` came later, so it is not required here.
const contact = z.looseObject({ org: text, contact: text, domain: text.optional() }, { error: 'expected an object' });

/** The field schemas the legacy readers share. */
export const xarfFields = { text, dateTime, ip };

const CORE = {
  xarf_version: text,
  report_id: text,
  timestamp: dateTime,
  reporter: contact,
  // Required by the current core schema, absent from 4.0 drafts; nothing here uses it, so it is not enforced.
  sender: contact.optional(),
  source_identifier: text,
  source_port: port.optional(),
  type: text,
  destination_ip: ip.optional(),
  destination_port: port.optional(),
  evidence: z
    .array(z.looseObject({ content_type: text, payload: z.string({ error: 'expected a base64 string' }) }), {
      error: 'expected an array',
    })
    .optional(),
  tags: z.array(z.string({ error: 'expected a string' }), { error: 'expected an array' }).optional(),
  confidence: z.number({ error: 'expected a number from 0 to 1' }).min(0).max(1).optional(),
};

const CATEGORY_FIELDS: Record<V4Category, z.ZodRawShape> = {
  messaging: { protocol: text },
  connection: { protocol: text, first_seen: dateTime },
  content: { url: text },
  infrastructure: {},
  copyright: {},
  vulnerability: { service: text },
  reputation: { threat_type: text },
};

const TYPE_FIELDS: Record<string, z.ZodRawShape> = {
  'messaging/bulk_messaging': { recipient_count: count },
  'connection/infected_host': { bot_type: text },
  'connection/reconnaissance': { probed_resources: list },
  'connection/scraping': { total_requests: count },
  'connection/vulnerability_scan': { scan_type: text },
  'content/brand_infringement': { infringement_type: text, legitimate_site: text },
  'content/csam': { classification: text, detection_method: text },
  'content/csem': { detection_method: text, exploitation_type: text },
  'content/exposed_data': { data_types: list, exposure_method: text },
  'content/fraud': { fraud_type: text },
  'content/remote_compromise': { compromise_type: text },
  'content/suspicious_registration': { registration_date: dateTime, suspicious_indicators: list },
  'copyright/copyright': { infringing_url: text },
  'copyright/cyberlocker': { infringing_url: text, hosting_service: text },
  'copyright/link_site': { infringing_url: text, site_name: text },
  'copyright/ugc_platform': { infringing_url: text, platform_name: text },
  'copyright/p2p': {
    p2p_protocol: text,
    swarm_info: z
      .looseObject({ info_hash: text.optional(), magnet_uri: text.optional() }, { error: 'expected an object' })
      .refine((s) => s.info_hash !== undefined || s.magnet_uri !== undefined, {
        error: 'expected info_hash or magnet_uri',
      }),
  },
  'copyright/usenet': { newsgroup: text, message_info: z.looseObject({ message_id: text }) },
  'vulnerability/cve': { cve_id: cveId, service_port: port },
  'infrastructure/botnet': { compromise_evidence: text },
  'infrastructure/compromised_server': { compromise_method: text },
};

const schemas = new Map<string, z.ZodType>();
function schemaFor(category: V4Category, type: string): z.ZodType {
  const key = `${category}/${type}`;
  let schema = schemas.get(key);
  if (!schema) {
    schema = z.looseObject({ ...CORE, ...CATEGORY_FIELDS[category], ...own(TYPE_FIELDS, key) });
    schemas.set(key, schema);
  }
  return schema;
}

/** What reading one report gives: its event, or why there is none (the caller adds where and the bytes). */
export type Reading = AbuseEvent | { reason: string };

/** One XARF v4 report (a parsed JSON object whose xarf_version is 4.x.y) as an event. */
export function readV4Report(report: Record<string, unknown>, evidence: string): Reading {
  const written = report.category ?? report.class;
  if (typeof written !== 'string' || !(V4_CATEGORIES as readonly string[]).includes(written))
    return {
      reason: `unknown class: category ${show(written)} is not one of ${V4_CATEGORIES.join(', ')} (XARF v4 categories)`,
    };
  const category = written as V4Category;
  // The 4.0.0 release notes spell types with hyphens (port-scan) where the schemas use underscores.
  const type = typeof report.type === 'string' ? report.type.trim().toLowerCase().replaceAll('-', '_') : '';
  const kind = `${category}/${type}`;
  const checked = schemaFor(category, type).safeParse(report);
  const problems = checked.success ? [] : describeIssues(checked.error, report, `${kind} reports`);
  if (category === 'messaging' && report.protocol === 'smtp' && report.smtp_from === undefined)
    problems.push('smtp_from: missing (required when protocol is smtp)');
  if (problems.length > 0) return { reason: `XARF v4 ${kind}: ${problems.join('; ')}` };

  const sourceText = String(report.source_identifier);
  const address = ipAddress(sourceText);
  if (address === undefined)
    return {
      reason: `no source address: source_identifier ${show(sourceText)} is not an IP address, so the report cannot be attributed to a subscriber; ask the reporter for the address the ${kind} came from`,
    };

  const used = new Set(['category', 'class', 'type', 'timestamp', 'source_identifier', 'source_port']);
  const source: AbuseEndpoint = { address };
  if (typeof report.source_port === 'number') source.port = report.source_port;
  const url = category === 'content' ? report.url : category === 'copyright' ? report.infringing_url : undefined;
  if (typeof url === 'string') {
    source.url = url;
    used.add(category === 'content' ? 'url' : 'infringing_url');
  }
  if (category === 'content' && typeof report.domain === 'string') {
    source.hostname = report.domain;
    used.add('domain');
  }
  let destination: AbuseEndpoint | undefined;
  if (typeof report.destination_ip === 'string') {
    destination = { address: ipAddress(report.destination_ip) };
    used.add('destination_ip');
  }
  if (typeof report.destination_port === 'number') {
    (destination ??= {}).port = report.destination_port;
    used.add('destination_port');
  }
  const protocolField = typeof report.protocol === 'string' ? 'protocol' : 'p2p_protocol';
  const protocol = typeof report[protocolField] === 'string' ? (report[protocolField] as string) : undefined;
  if (protocol !== undefined) used.add(protocolField);
  const reporterInfo = report.reporter as { org: string; domain?: string };
  const reporter = reporterInfo.domain ?? reporterInfo.org;
  used.add(reporterInfo.domain !== undefined ? 'reporter.domain' : 'reporter.org');

  const known = own(V4_RSIT[category], type);
  return event({
    type: known ?? V4_FALLBACK[category],
    identifier: type,
    time: utcTime(report.timestamp as string)!,
    source,
    destination,
    protocol,
    reporter,
    reportType: `xarf:${kind}`,
    evidence,
    detail: detailOf(report, (path) => used.has(path) || path === '_internal' || path === 'evidence.payload'),
    needsReview: known === undefined || V4_REVIEWED.has(category) ? true : undefined,
  });
}

// ---- shared with xarf-v3.ts ----

/** `table[key]` for the table's own keys only: a report's "constructor" or "toString" is no entry. */
export function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** An AbuseEvent without its undefined fields, so events compare and serialise cleanly. */
export function event(fields: AbuseEvent): AbuseEvent {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out as AbuseEvent;
}

/** An address as the net/ helpers write it, or undefined when `text` is not one. */
export function ipAddress(text: string): string | undefined {
  const result = normaliseIp(text.trim());
  return result.ok ? result.indicator.value : undefined;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** An ISO 8601 / RFC 3339 date-time with a zone, as ISO UTC; undefined without a zone or for a date that does not exist. */
export function utcTime(text: string): string | undefined {
  const m = RFC3339.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', frac = '', , sign, oh = '0', om = '0'] = m;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(local);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23) return undefined;
  if (Number(mi) > 59 || Number(s) > 60 || Number(oh) > 23 || Number(om) > 59) return undefined;
  const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const ms = frac ? Math.round(Number(frac) * 1000) : 0;
  return new Date(local + ms - offset * 60_000).toISOString();
}

/**
 * The reporter's fields as strings for the case and the notice: nested objects flattened with dots
 * (`reporter.contact`, `evidence.0.description`), arrays of scalars joined with ", ". `skip` gets the path
 * without array indexes (`evidence.payload`), so one entry drops a field from every element.
 */
export function detailOf(
  value: Record<string, unknown>,
  skip: (path: string) => boolean,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const walk = (v: unknown, key: string, path: string): void => {
    if (skip(path)) return;
    if (v === null || v === undefined) return;
    if (Array.isArray(v)) {
      if (v.every((x) => typeof x !== 'object' || x === null)) {
        const items = v.filter((x) => x !== null).map(String);
        if (items.length > 0) out[key] = items.join(', ');
      } else v.forEach((x, i) => walk(x, `${key}.${i}`, path));
      return;
    }
    if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, key ? `${key}.${k}` : k, path ? `${path}.${k}` : k);
      return;
    }
    out[key] = String(v);
  };
  walk(value, '', '');
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Zod's issues as `path: what is wrong, got value`, with the path as JSON writes it (`evidence[0].payload`). */
export function describeIssues(error: z.ZodError, input: unknown, requiredFor: string): string[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join('');
    const value = valueAt(input, issue.path);
    if (value === undefined) return `${path || 'report'}: missing (required for ${requiredFor})`;
    return `${path || 'report'}: ${issue.message}, got ${show(value)}`;
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at = input;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/** A value as a reason quotes it: JSON, cut short. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

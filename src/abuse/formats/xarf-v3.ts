// X-ARF before v4, in the two forms still sent:
//
// - X-ARF 0.1/0.2 (x-arf.org; fail2ban scripts, blocklist.de and the like): a multipart/mixed mail marked
//   `X-XARF: PLAIN` (0.2) or `X-ARF: YES` (0.1) of three parts: text for people, the report as YAML `Key: value`
//   lines in a text/plain part named report.txt (Reported-From, Category, Report-Type, Report-ID, Date, Source,
//   Source-Type, Port, Service, Schema-URL, ...), and evidence (log lines). The v4 spec calls these reports v3.
// - The JSON reports of the abusix/xarf schemas 1 to 3 (`"Version": "3"`, ReporterInfo, Report with ReportClass,
//   ReportType, Date, SourceIp, ...), which the v4 spec's backwards-compatibility section calls v3 as well.
//
// Both become one event per report, like v4 (xarf-v4.ts), whose helpers they share.

import { YAMLParseError, parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { AbuseEndpoint, AbuseEvent, RsitType } from '../../domain/abuse-event.js';
import type { Rejected } from '../../domain/format.js';
import { readMail, type MailMessage } from './mail-message.js';
import { describeIssues, detailOf, event, ipAddress, own, show, utcTime, xarfFields, type Reading } from './xarf-v4.js';

const { text, dateTime, ip } = xarfFields;
const PORT = 'expected a port number from 0 to 65535';
const port = z.int({ error: PORT }).min(0, { error: PORT }).max(65535, { error: PORT });

// ---- X-ARF 0.1/0.2: YAML in a mail ----

/** Category → Report-Type → RSIT class, for the schemas x-arf.org published. */
export const V3_YAML_RSIT: Record<string, Record<string, RsitType>> = {
  abuse: {
    'login-attack': 'brute-force',
    // A malware-attack report is about the source's own traffic: the host is infected and attacking others.
    'malware-attack': 'infected-system',
  },
  fraud: { phishing: 'phishing' },
  // A DNSBL listing (or delisting) says nothing of what the address did: see V3_YAML_REVIEWED.
  info: { dnsbl: 'undetermined' },
};
const V3_YAML_REVIEWED: ReadonlySet<string> = new Set(['info']);

// The field names as the schemas spell them: senders vary the case, the detail keeps this spelling.
const YAML_FIELDS = [
  'Reported-From',
  'Category',
  'Report-Type',
  'Report-ID',
  'Date',
  'Source',
  'Source-Type',
  'Destination',
  'Destination-Type',
  'Port',
  'Service',
  'Version',
  'User-Agent',
  'Schema-URL',
  'Attachment',
  'Occurrences',
];
const CANONICAL = new Map(YAML_FIELDS.map((name) => [name.toLowerCase(), name]));

const yamlReport = z.looseObject({
  Category: text,
  'Report-Type': text,
  Date: text,
  Source: text,
  'Source-Type': text.optional(),
  'Reported-From': text.optional(),
  // YAML reads `Port: 22` as a number; some scripts quote it.
  Port: z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v), port).optional(),
  Destination: text.optional(),
  Service: text.optional(),
});

const IP_TYPES = new Set(['ip-address', 'ipv4', 'ipv6', 'ip']);
const URL_TYPES = new Set(['uri', 'url']);

/**
 * The X-ARF 0.1/0.2 report in `mail` as an event, or a Rejected; undefined when the mail has no report part
 * (a part named report.txt/.yaml/.yml, or failing a name, a part of `Key: value` lines with Category and Report-Type).
 */
export async function readV3Mail(mail: MailMessage): Promise<AbuseEvent | Rejected | undefined> {
  const parts = await topLevelParts(mail);
  const part =
    parts.find((p) => p.name !== undefined && /^report\.(txt|ya?ml)$/i.test(p.name)) ??
    parts.find((p) => /^report-type\s*:/im.test(p.text) && /^category\s*:/im.test(p.text));
  if (part === undefined) return undefined;
  const reading = readV3Yaml(part.text, mail.position, fromDomain(mail));
  return 'reason' in reading
    ? { rejected: true, reason: reading.reason, position: mail.position, raw: mail.raw }
    : reading;
}

/** One report.txt as an event; `fallbackReporter` (the mail's From domain) is used when Reported-From is absent. */
export function readV3Yaml(yaml: string, evidence: string, fallbackReporter?: string): Reading {
  let parsed: unknown;
  try {
    parsed = parseYaml(yaml);
  } catch (error) {
    const at = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
    const where = at ? ` at line ${at.line}, column ${at.col}` : '';
    const what = (error instanceof Error ? error.message.split('\n')[0]! : String(error)).replace(
      / at line \d+, column \d+:?$/,
      '',
    );
    return { reason: `report.txt is not valid YAML${where}: ${what}; fields are written one per line as Key: value` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { reason: `report.txt is ${show(parsed)}, not Key: value fields` };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) fields[CANONICAL.get(key.toLowerCase()) ?? key] = value;

  const category = typeof fields.Category === 'string' ? fields.Category.trim().toLowerCase() : undefined;
  if (category !== undefined && own(V3_YAML_RSIT, category) === undefined)
    return {
      reason: `unknown class: Category ${show(fields.Category)} is not one of ${Object.keys(V3_YAML_RSIT).join(', ')} (X-ARF 0.2 categories)`,
    };
  const checked = yamlReport.safeParse(fields);
  if (!checked.success)
    return { reason: `X-ARF report.txt: ${describeIssues(checked.error, fields, 'X-ARF reports').join('; ')}` };
  const report = checked.data;
  const reportType = report['Report-Type'].trim();

  const time = zonedTime(report.Date);
  if (time === undefined)
    return {
      reason: `Date ${show(report.Date)} is not a date-time with a zone; expected RFC 2822 ("Fri, 20 Nov 2026 17:15:00 +0900") or ISO 8601 ("2026-11-20T08:15:00Z")`,
    };
  const source = sourceOf(report.Source, report['Source-Type']);
  if ('reason' in source) return source;
  const from = report['Reported-From'];
  const reporter = from !== undefined ? domainOf(from) : fallbackReporter;
  if (reporter === undefined)
    return { reason: 'no reporter: the report has no Reported-From and the mail no From address' };

  const used = new Set(['Category', 'Report-Type', 'Date', 'Source']);
  // X-ARF's Port is the attacked service's port on the reporter's side (22 for an SSH login attack).
  let destination: AbuseEndpoint | undefined;
  const destinationAddress = report.Destination !== undefined ? ipAddress(report.Destination) : undefined;
  if (destinationAddress !== undefined) {
    destination = { address: destinationAddress };
    used.add('Destination');
  }
  if (report.Port !== undefined) {
    (destination ??= {}).port = report.Port;
    used.add('Port');
  }
  if (report.Service !== undefined) used.add('Service');

  const known = own(V3_YAML_RSIT[category!]!, reportType.toLowerCase());
  return event({
    type: known ?? 'undetermined',
    identifier: reportType,
    time,
    source,
    destination,
    protocol: report.Service,
    reporter,
    reportType: `xarf:${report.Category.trim()}/${reportType}`,
    evidence,
    detail: detailOf(fields, (path) => used.has(path)),
    needsReview: known === undefined || V3_YAML_REVIEWED.has(category!) ? true : undefined,
  });
}

function sourceOf(value: string, sourceType: string | undefined): AbuseEndpoint | { reason: string } {
  const kind = sourceType?.trim().toLowerCase();
  if (kind === undefined || IP_TYPES.has(kind)) {
    const address = ipAddress(value);
    return address !== undefined
      ? { address }
      : { reason: `Source ${show(value)} is not an IP address (Source-Type ${show(sourceType)})` };
  }
  if (URL_TYPES.has(kind)) {
    const address = urlAddress(value);
    if (address !== undefined) return { address, url: value.trim() };
  }
  return {
    reason: `no source address: Source ${show(value)} (Source-Type ${show(sourceType)}) names no IP address, so the report cannot be attributed to a subscriber`,
  };
}

/** A date-time with a zone as ISO UTC: ISO 8601, RFC 2822, or fail2ban scripts' `Feb  3 2026 02:13:35 +0100`. */
export function zonedTime(value: string): string | undefined {
  const iso = utcTime(value);
  if (iso !== undefined) return iso;
  // Date.parse reads all of these, but also reads a time without a zone as the machine's local time, and almost
  // anything as some date ("soon +0100" is the year 100): a zone, a four-digit year and a clock time are required.
  const bare = value.replace(/\s*\([^)]*\)\s*$/, '').trim();
  if (!/(?:[+-]\d{4}|\b(?:GMT|UTC|UT|Z))$/i.test(bare)) return undefined;
  const written = bare.replace(/[+-]\d{4}$/, '');
  if (!/\b\d{4}\b/.test(written) || !/\b\d{1,2}:\d{2}(?::\d{2})?\b/.test(written)) return undefined;
  const t = Date.parse(bare);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

type Part = { name?: string | undefined; text: string };

/**
 * The top-level parts of a multipart mail, each decoded on its own. mailparser joins all inline text parts into
 * one text, and X-ARF 0.2 sends its report as an inline text/plain part: the boundary split here keeps them apart.
 */
async function topLevelParts(mail: MailMessage): Promise<Part[]> {
  const type = mail.parsed.headers.get('content-type') as
    { value?: string; params?: Record<string, string> } | undefined;
  const boundary = type?.params?.boundary;
  if (!type?.value?.toLowerCase().startsWith('multipart/') || !boundary) return [];
  // latin1 maps bytes to characters one to one, so the parts go back to mailparser as the bytes they were.
  const lines = Buffer.from(mail.raw.buffer, mail.raw.byteOffset, mail.raw.byteLength).toString('latin1').split('\n');
  const delimiter = `--${boundary}`;
  const segments: string[][] = [];
  let current: string[] | undefined;
  let i = lines.findIndex((line) => line.replace(/\r$/, '') === '');
  for (i++; i > 0 && i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.startsWith(delimiter)) {
      const rest = line.slice(delimiter.length).trimEnd();
      if (rest === '' || rest === '--') {
        if (current) segments.push(current);
        if (rest === '--') break;
        current = [];
        continue;
      }
    }
    current?.push(line);
  }
  return Promise.all(
    segments.map(async (segment) => {
      const { parsed } = await readMail(Buffer.from(segment.join('\r\n'), 'latin1'), mail.position);
      const contentType = parsed.headers.get('content-type') as { params?: Record<string, string> } | undefined;
      const disposition = parsed.headers.get('content-disposition') as { params?: Record<string, string> } | undefined;
      const attached = parsed.attachments[0]?.content;
      return {
        name: disposition?.params?.filename ?? contentType?.params?.name,
        text: parsed.text ?? (attached ? attached.toString('utf8') : ''),
      };
    }),
  );
}

// ---- JSON reports of schema versions 1 to 3 ----

/** Report type → RSIT class; a type that means different things per class is keyed `Class/Type`. */
export const V3_JSON_RSIT: Record<string, RsitType> = {
  Spam: 'spam',
  LoginAttack: 'brute-force',
  PortScan: 'scanner',
  DDoS: 'ddos',
  Exploit: 'exploit',
  // The source resolved or contacted malware infrastructure (an RPZ rewrite, a sinkhole hit): it is infected.
  'Activity/Malware': 'infected-system',
  // The source serves the malware.
  'Content/Malware': 'malware-distribution',
  Botnet: 'infected-system',
  Phishing: 'phishing',
  Copyright: 'copyright',
  // A counterfeit shop or lookalike site poses as the brand: RSIT's fraud/masquerade.
  Trademark: 'masquerade',
  // RSIT files child sexual exploitation under abusive-content/violence.
  ChildAbuse: 'violence',
  Harassment: 'harmful-speech',
  OpenService: 'potentially-unwanted-accessible',
  PotentiallyCompromisedAccount: 'unprivileged-account-compromise',
  // RSIT has no class for crawling.
  WebCrawler: 'other',
};
const V3_JSON_CLASSES = ['Activity', 'Content', 'Vulnerability'];

const jsonReport = z.looseObject({
  ReporterInfo: z.looseObject(
    {
      ReporterOrg: text.optional(),
      ReporterOrgDomain: text.optional(),
      ReporterOrgEmail: text.optional(),
      ReporterContactEmail: text.optional(),
    },
    { error: 'expected an object' },
  ),
  Report: z.looseObject(
    {
      ReportClass: text,
      ReportType: text,
      Date: dateTime,
      FirstSeen: dateTime.optional(),
      SourceIp: ip.optional(),
      SourcePort: port.optional(),
      SourceUrl: text.optional(),
      DestinationIp: ip.optional(),
      DestinationPort: z.union([port, z.array(port)], { error: 'expected a port or a list of ports' }).optional(),
      TransportProtocol: text.optional(),
    },
    { error: 'expected an object' },
  ),
});

/** One JSON report of schema version 1, 2 or 3 as an event. */
export function readV3JsonReport(report: Record<string, unknown>, evidence: string): Reading {
  const inner = report.Report as Record<string, unknown> | undefined;
  const reportClass = typeof inner === 'object' && inner !== null ? inner.ReportClass : undefined;
  if (typeof reportClass === 'string' && !V3_JSON_CLASSES.includes(reportClass))
    return {
      reason: `unknown class: Report.ReportClass ${show(reportClass)} is not one of ${V3_JSON_CLASSES.join(', ')}`,
    };
  const checked = jsonReport.safeParse(report);
  if (!checked.success)
    return {
      reason: `X-ARF JSON version ${show(report.Version)}: ${describeIssues(checked.error, report, 'X-ARF JSON reports').join('; ')}`,
    };
  const { ReporterInfo: info, Report: r } = checked.data;
  const kind = `${r.ReportClass}/${r.ReportType}`;

  const used = new Set(['ReportClass', 'ReportType', 'Date']);
  const source: AbuseEndpoint = {};
  if (r.SourceIp !== undefined) {
    source.address = ipAddress(r.SourceIp);
    used.add('SourceIp');
  } else if (r.SourceUrl !== undefined) source.address = urlAddress(r.SourceUrl);
  if (source.address === undefined)
    return {
      reason: `no source address: the ${kind} report has no Report.SourceIp${r.SourceUrl !== undefined ? ` and its SourceUrl ${show(r.SourceUrl)} names no IP address` : ''}, so it cannot be attributed to a subscriber`,
    };
  if (r.SourcePort !== undefined) {
    source.port = r.SourcePort;
    used.add('SourcePort');
  }
  if (r.SourceUrl !== undefined) {
    source.url = r.SourceUrl;
    used.add('SourceUrl');
  }
  let destination: AbuseEndpoint | undefined;
  if (r.DestinationIp !== undefined) {
    destination = { address: ipAddress(r.DestinationIp) };
    used.add('DestinationIp');
  }
  // A list of ports stays in the detail: an endpoint has one.
  if (typeof r.DestinationPort === 'number') {
    (destination ??= {}).port = r.DestinationPort;
    used.add('DestinationPort');
  }
  if (r.TransportProtocol !== undefined) used.add('TransportProtocol');
  const reporter =
    info.ReporterOrgDomain ??
    (info.ReporterOrgEmail !== undefined ? domainOf(info.ReporterOrgEmail) : undefined) ??
    info.ReporterOrg ??
    (info.ReporterContactEmail !== undefined ? domainOf(info.ReporterContactEmail) : undefined);
  if (reporter === undefined)
    return { reason: 'ReporterInfo: no ReporterOrgDomain, ReporterOrgEmail, ReporterOrg or ReporterContactEmail' };
  if (info.ReporterOrgDomain !== undefined) used.add('ReporterInfo.ReporterOrgDomain');

  const known = own(V3_JSON_RSIT, kind) ?? own(V3_JSON_RSIT, r.ReportType);
  // The report's own fields come first, unprefixed; InternalProcessing carries the sender's subscriber data.
  const { Report: _report, InternalProcessing: _internal, ...outer } = report;
  const skip = (path: string) => used.has(path) || path === 'Samples.Payload';
  return event({
    type: known ?? (r.ReportClass === 'Vulnerability' ? 'vulnerable-system' : 'undetermined'),
    identifier: r.ReportType,
    time: utcTime(r.Date)!,
    source,
    destination,
    protocol: r.TransportProtocol,
    reporter,
    reportType: `xarf:${kind}`,
    evidence,
    detail: detailOf({ ...(inner as Record<string, unknown>), ...outer }, skip),
    needsReview: known === undefined ? true : undefined,
  });
}

// ---- small helpers ----

function urlAddress(value: string): string | undefined {
  try {
    return ipAddress(new URL(value.trim()).hostname.replace(/^\[|\]$/g, ''));
  } catch {
    return undefined;
  }
}

/** `abuse@example.com` → `example.com`; a bare domain stays as it is. */
function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return (at === -1 ? address : address.slice(at + 1)).trim().replace(/>$/, '').toLowerCase();
}

function fromDomain(mail: MailMessage): string | undefined {
  const address = mail.parsed.from?.value[0]?.address;
  return address ? domainOf(address) : undefined;
}

// Shadowserver's CSV reports (https://www.shadowserver.org/what-we-do/network-reporting/): one file per report
// type and day, a header row, one row per observation. Each row becomes one AbuseEvent, classified by the report
// type (from the file name, `2026-11-20-event4_sinkhole-asn64500-jp.csv`, or given by the caller) through the
// schema in shadowserver-schema.json; a type the schema does not know is read generically and marked for review.
//
// Reports run to millions of rows, so the input is never held: lines are cut from the byte chunks as they come,
// fields are split by a plain loop (csv-fields.ts: Shadowserver quotes text cells and leaves numbers bare, RFC 4180
// style), and the columns are resolved once per file, not per row.

import type { AbuseEndpoint, AbuseEvent } from '../../domain/abuse-event.js';
import type { Format, Rejected } from '../../domain/format.js';
import { toIso } from '../../intel/formats/csv.js';
import { normaliseCidr } from '../../net/cidr.js';
import { isIpv4, normaliseIpv6 } from '../../net/ip.js';
import { digits, fastUtc, splitFields } from './csv-fields.js';
import {
  bundledShadowserverSchema,
  planColumns,
  type ColumnPlan,
  type ShadowserverReport,
  type ShadowserverSchema,
} from './shadowserver-schema.js';

export type ShadowserverOptions = {
  /** The report type when the input's name does not carry it (a mail subject parser knows it); wins over the name. */
  reportType?: string | undefined;
  /** Default: the bundled schema. */
  schema?: ShadowserverSchema | undefined;
};

// Shadowserver's file names: date, report type, then an identifier of the recipient and filter
// (`2024-07-04-dns_openresolver-123-sample-asn.csv`); the type never contains a hyphen.
const FILE_NAME = /^\d{4}-\d{2}-\d{2}-([^-.]+)(?:-[^/\\]*)?\.csv$/i;

/** The report type a Shadowserver file name carries, or undefined. Directories in front are ignored. */
export function reportTypeFromFileName(name: string): string | undefined {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  return FILE_NAME.exec(base)?.[1]?.toLowerCase();
}

// Header names only Shadowserver's reports have together with a leading "timestamp": used by sniff.
const ADDRESS_COLUMNS = new Set(['ip', 'src_ip', 'http_referer_ip']);
const SHADOWSERVER_COLUMNS = new Set([
  'severity',
  'asn',
  'src_asn',
  'geo',
  'src_geo',
  'naics',
  'sector',
  'src_naics',
  'hostname_source',
  'public_source',
  'infection',
]);

export function shadowserverFormat(options: ShadowserverOptions = {}): Format<AbuseEvent> {
  return {
    name: 'shadowserver',
    sniff(head) {
      let text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(head);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const end = text.indexOf('\n');
      const first = (end === -1 ? text : text.slice(0, end)).replace(/\r$/, '');
      const names: string[] = [];
      splitFields(first, names); // an unclosed quote (head cut inside the header) still leaves the names before it
      return (
        names[0]?.trim() === 'timestamp' &&
        names.some((n) => ADDRESS_COLUMNS.has(n.trim())) &&
        names.some((n) => SHADOWSERVER_COLUMNS.has(n.trim()))
      );
    },
    async *parse(input, ctx): AsyncIterable<AbuseEvent | Rejected> {
      const schema = options.schema ?? bundledShadowserverSchema();
      const named = options.reportType?.trim().toLowerCase() || reportTypeFromFileName(ctx.input);
      const known = named === undefined ? undefined : schema.reports.get(named);
      const reader = rowReader(known ?? schema.fallback, schema.fallback, known?.name ?? named ?? 'unknown', ctx.input);
      const out = reader.out;

      // Bytes of a line not yet ended by a newline, copied (a producer may reuse its chunk).
      let parts: Uint8Array[] = [];
      let partsLength = 0;
      let number = 0;
      for await (const chunk of input) {
        let start = 0;
        for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
          number++;
          if (partsLength === 0) reader.line(chunk.subarray(start, nl), number, true);
          else {
            reader.line(joinBytes(parts, chunk.subarray(start, nl)), number, true, partsLength + nl - start);
            parts = [];
            partsLength = 0;
          }
          start = nl + 1;
          if (out.length !== 0) {
            for (const record of out) yield record;
            out.length = 0;
          }
        }
        if (start < chunk.length) {
          // A line longer than any row keeps only its head (for the dead letter) and its length.
          if (partsLength < MAX_LINE_BYTES) parts.push(chunk.slice(start, start + MAX_LINE_BYTES - partsLength));
          partsLength += chunk.length - start;
        }
      }
      if (partsLength > 0) reader.line(joinBytes(parts), number + 1, false, partsLength);
      reader.end();
      for (const record of out) yield record;
    },
  };
}

const NEWLINE = 0x0a;
const CR = 0x0d;
/** Longer lines are rejected without being decoded: no Shadowserver row comes near. */
const MAX_LINE_BYTES = 1 << 20;
/** A quoted field may hold line breaks; one left open swallows the lines after it, and is given up after this many. */
const MAX_RECORD_LINES = 50;
const LF = new Uint8Array([NEWLINE]);

type Pending = { text: string; raw: Uint8Array; number: number; terminated: boolean };

/**
 * The per-file state: header, plan, an open multi-line record. `line` takes each line's bytes (without the
 * newline) and pushes what it yields to `out`, which the caller drains.
 */
function rowReader(report: ShadowserverReport, fallback: ShadowserverReport, reportType: string, input: string) {
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  const out: (AbuseEvent | Rejected)[] = [];
  const fields: string[] = [];
  const kept: number[] = [];
  const ipv6 = new Map<string, string | undefined>();
  let names: string[] | undefined;
  let headerRaw = new Uint8Array(0);
  let plan: ColumnPlan | undefined;
  let pending: Pending[] = [];
  let lastTimeText = '';
  let lastIso = '';
  /** The event being built is to be checked by a person. */
  let unsure = false;
  const column = (i: number) => `column "${names![i]}"`;

  const reject = (number: number, raw: Uint8Array, why: string): void => {
    out.push({
      rejected: true,
      reason: `line ${number}: ${why}`,
      position: `${input}:${number}`,
      // With the header in front, a dead letter is a one-row report that replays through this parser.
      raw: names === undefined ? raw.slice() : joinBytes([headerRaw, LF], raw),
    });
  };

  const line = (bytes: Uint8Array, number: number, terminated: boolean, length = bytes.length): void => {
    if (length > MAX_LINE_BYTES) {
      reject(number, bytes.subarray(0, 4096), `the line is ${length} bytes long, more than any report row; not read`);
      return;
    }
    if (number === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    take(decoder.decode(bytes), bytes, number, terminated);
  };

  const take = (text: string, raw: Uint8Array, number: number, terminated: boolean): void => {
    if (pending.length > 0) {
      pending.push({ text, raw: raw.slice(), number, terminated });
      if (splitFields(pending.map((p) => p.text).join('\n'), fields)) {
        // An unbalanced quote closes on a later line's first quote and makes one long row of several: a row of
        // the wrong width is not a multi-line cell.
        if (names !== undefined && fields.length !== names.length) {
          giveUp(`makes no row of the header's ${names.length} fields with the lines after it`);
          return;
        }
        const lines = pending;
        pending = [];
        const joined = joinBytes(lines.flatMap((l, i) => (i ? [LF, l.raw] : [l.raw])));
        complete(lines[0]!.number, joined, terminated);
      } else if (pending.length >= MAX_RECORD_LINES) giveUp(`is not closed within ${MAX_RECORD_LINES} lines`);
      return;
    }
    if (text === '') return;
    if (!splitFields(text, fields)) {
      pending.push({ text, raw: raw.slice(), number, terminated });
      return;
    }
    complete(number, raw, terminated);
  };

  // A quote that never closes: the line that opened it is rejected, the lines after it are read again on their own.
  const giveUp = (why: string): void => {
    const [first, ...rest] = pending;
    pending = [];
    reject(first!.number, first!.raw, `a quoted field opened on this line ${why}; the quotes are unbalanced`);
    for (const l of rest) take(l.text, l.raw, l.number, l.terminated);
  };

  const complete = (number: number, raw: Uint8Array, terminated: boolean): void => {
    if (names === undefined) {
      names = fields.map((f) => f.trim());
      headerRaw = raw.slice();
      plan = planColumns(report, fallback, names);
      return;
    }
    if (fields.length !== names.length) {
      reject(
        number,
        raw,
        !terminated && fields.length < names.length
          ? `truncated: the last line has ${fields.length} of the header's ${names.length} fields and no line end (was the file cut short?)`
          : `the row has ${fields.length} fields, the header has ${names.length}`,
      );
      return;
    }
    const why = row(number);
    if (why !== undefined) reject(number, raw, why);
  };

  /** Turns `fields` into an event on `out`; returns why not when it cannot. */
  const row = (number: number): string | undefined => {
    const { at, identifier: identifierColumns, mapped, severity } = plan!;
    kept.length = 0;
    unsure = plan!.review || report.review;

    if (at.time < 0) return `no time column: the header has none of ${quoted(report.columns.time)}`;
    const timeText = fields[at.time]!.trim();
    if (timeText === '') return `${column(at.time)} (time) is empty`;
    if (timeText !== lastTimeText) {
      const iso = fastUtc(timeText) ?? toIso(timeText);
      if (iso === undefined)
        return `${column(at.time)} (time) "${timeText}" is not a time (expected "YYYY-MM-DD HH:MM:SS" in UTC, or ISO 8601)`;
      lastTimeText = timeText;
      lastIso = iso;
    }
    const source: AbuseEndpoint = {};
    const dst: AbuseEndpoint = {};
    const why =
      side(source, 'source', at.source_ip, at.source_port, at.source_hostname, at.source_url, at.source_asn) ??
      side(
        dst,
        'destination',
        at.destination_ip,
        at.destination_port,
        at.destination_hostname,
        at.destination_url,
        at.destination_asn,
      );
    if (why !== undefined) return why;

    let identifier = report.identifierDefault;
    let identifierAt = -1;
    for (const i of identifierColumns) {
      const v = fields[i]!.trim();
      if (v !== '') {
        identifier = v;
        identifierAt = i;
        break;
      }
    }
    let detail: Record<string, string> | undefined;
    for (let i = 0; i < fields.length; i++) {
      if (i === identifierAt || (mapped[i] === 1 && (kept.length === 0 || !kept.includes(i)))) continue;
      const v = fields[i]!;
      if (v !== '') (detail ??= {})[names![i]!] = v;
    }
    if (report.severity !== undefined && (severity < 0 || fields[severity] === ''))
      (detail ??= {}).severity = report.severity;

    const event: AbuseEvent = {
      type: report.type,
      time: lastIso,
      source,
      reporter: 'shadowserver',
      reportType,
      evidence: `${input}:${number}`,
    };
    if (identifier !== undefined) event.identifier = identifier;
    if ((dst.address ?? dst.port ?? dst.hostname ?? dst.url ?? dst.asn) !== undefined) event.destination = dst;
    if (at.protocol >= 0) {
      const protocol = fields[at.protocol]!.trim().toLowerCase();
      if (protocol !== '') event.protocol = protocol;
    }
    if (detail !== undefined) event.detail = detail;
    if (unsure) event.needsReview = true;
    out.push(event);
    return undefined;
  };

  /** One side of the event from its columns (-1: none); returns why the row is bad when it cannot be read. */
  const side = (
    into: AbuseEndpoint,
    label: 'source' | 'destination',
    ipAt: number,
    portAt: number,
    hostnameAt: number,
    urlAt: number,
    asnAt: number,
  ): string | undefined => {
    if (ipAt >= 0) {
      const text = fields[ipAt]!.trim();
      // Attribution needs the source address; a destination may be absent (darknet rows have none).
      if (text === '' && label === 'source') return `${column(ipAt)} (source address) is empty`;
      if (text !== '') {
        const address = addressOf(text, ipv6);
        if (address !== undefined) into.address = address;
        else {
          // The blocklist report lists networks too: no one subscriber's address, so kept in detail for a person.
          const network = text.includes('/') ? normaliseCidr(text) : undefined;
          if (!network?.ok) return `${column(ipAt)} (${label} address) "${text}" is not an IP address`;
          if (network.indicator.type !== 'cidr') into.address = network.indicator.value;
          else {
            kept.push(ipAt);
            unsure = true;
          }
        }
      }
    }
    if (portAt >= 0) {
      const text = fields[portAt]!.trim();
      const port = text === '' ? 0 : digits(text);
      if (port < 0 || port > 65535) return `${column(portAt)} (${label} port) "${text}" is not a port number`;
      // Shadowserver writes 0 where the protocol has no port (ICMP); it would match no CGNAT port block.
      if (port > 0) into.port = port;
    }
    if (hostnameAt >= 0) {
      const text = fields[hostnameAt]!.trim();
      if (text !== '') into.hostname = text;
    }
    if (urlAt >= 0) {
      const text = fields[urlAt]!.trim();
      if (text !== '') into.url = text;
    }
    if (asnAt >= 0) {
      const text = fields[asnAt]!.trim();
      const asn = text === '' ? 0 : digits(text);
      if (asn > 0) into.asn = asn;
      else if (asn < 0) kept.push(asnAt); // not a number: kept in detail as written, not a reason to lose the row
    }
    return undefined;
  };

  const end = (): void => {
    while (pending.length > 0) giveUp('is not closed before the end of the input (was the file cut short?)');
  };

  return { line, end, out };
}

function addressOf(text: string, ipv6: Map<string, string | undefined>): string | undefined {
  if (isIpv4(text)) return text;
  if (!text.includes(':')) return undefined;
  // Sinkhole reports repeat the same few addresses (the sinkholes, an infected host's many connections).
  let value = ipv6.get(text);
  if (value === undefined && !ipv6.has(text)) {
    const n = normaliseIpv6(text);
    value = n.ok ? n.indicator.value : undefined;
    if (ipv6.size >= 4096) ipv6.clear();
    ipv6.set(text, value);
  }
  return value;
}

function joinBytes(parts: Uint8Array[], last?: Uint8Array): Uint8Array {
  let size = last ? last.length : 0;
  for (const p of parts) size += p.length;
  const joined = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  if (last) joined.set(last, at);
  return joined;
}

function quoted(candidates: readonly string[] | undefined): string {
  return (candidates ?? ['timestamp']).map((c) => `"${c}"`).join(', ');
}

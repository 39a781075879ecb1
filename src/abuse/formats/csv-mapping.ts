// Abuse lists that come as spreadsheets (NICT NOTICE lists of vulnerable IoT devices, P2P awareness lists, JPCERT/CC
// and police lists): CSV with the sender's own headers, often Japanese, often Shift_JIS, sometimes under a title line.
// The operator saves a column mapping (csv-mapping-schema.ts) once and reuses it for every list from that sender.
// Quoting is csv-parse's; lines are framed here (as intel/formats/csv.ts does) so every row keeps its line number
// and its original bytes.

import { collectCsvRecords } from '../../intel/formats/csv-records.js';
import type { AbuseEndpoint, AbuseEvent, RsitType } from '../../domain/abuse-event.js';
import type { Format, Rejected } from '../../domain/format.js';
import { joinLines, readLines, type Line } from '../../intel/formats/lines.js';
import { normaliseIp } from '../../net/ip.js';
import { localTimeIn } from '../../observe/local-time.js';
import { compileTimeFormat, FIELDS, type CsvMapping, type Field, type TimeFormat } from './csv-mapping-schema.js';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Reads a cell as ISO 8601 UTC; times without an offset are wall-clock times in the mapping's zone. */
function timeReader(mapping: CsvMapping): (cell: string) => string | undefined {
  const local = localTimeIn(mapping.time_zone);
  const format = mapping.time_format === 'iso' ? undefined : (compileTimeFormat(mapping.time_format) as TimeFormat);
  return (cell) => {
    const parts: Record<string, number> = { H: 0, m: 0, s: 0, S: 0 };
    let zone: string | undefined;
    if (format) {
      const m = format.regex.exec(cell);
      if (!m) return undefined;
      format.units.forEach((u, i) => (parts[u] = Number(m[i + 1])));
    } else {
      const m = ISO.exec(cell);
      if (!m) return undefined;
      ['y', 'M', 'd', 'H', 'm', 's'].forEach((u, i) => (parts[u] = Number(m[i + 1] ?? 0)));
      parts.S = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
      zone = m[8];
    }
    const { y, M, d, H, m: mi, s, S } = parts as Record<'y' | 'M' | 'd' | 'H' | 'm' | 's' | 'S', number>;
    const wall = new Date(Date.UTC(y, M - 1, d, H, mi, s, S));
    // Date.UTC rolls 2026-02-30 into March and 24:00 into the next day: a time that does not exist is no time.
    if (wall.getUTCFullYear() !== y || wall.getUTCMonth() !== M - 1 || wall.getUTCDate() !== d) return undefined;
    if (H > 23 || mi > 59 || s > 59) return undefined;
    if (zone === undefined) return new Date(local(y, M, d, H, mi, s, S)).toISOString();
    if (zone.toUpperCase() === 'Z') return wall.toISOString();
    const digits = zone.replace(':', '');
    const offset =
      (digits.startsWith('-') ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0));
    return new Date(wall.getTime() - offset * 60_000).toISOString();
  };
}

/** Lines go to csv-parse in batches of this many, so memory stays bounded whatever the list's size. */
const BATCH = 512;
/** A quote never closed swallows the lines after it; csv-parse gives up (and the row is rejected) past this size. */
const MAX_RECORD_SIZE = 1 << 20;
/** Spreadsheets write a dash for "none": such a cell counts as empty. */
const NONE = /^[-－―‐]+$/;

type Pending = { line: Line; lastParserLine: number };

export function csvMappingFormat(mapping: CsvMapping): Format<AbuseEvent> {
  const mapped = FIELDS.filter((f) => mapping.columns[f] !== undefined);
  const typeColumn = typeof mapping.type === 'object' ? mapping.type.column : undefined;
  const shiftJis = mapping.encoding === 'shift_jis' ? new TextDecoder('shift_jis') : undefined;
  // Lines are cut on bytes before decoding: Shift_JIS never uses 0x0A or 0x0D inside a character.
  const decode = (line: Line): string => (shiftJis ? shiftJis.decode(line.raw) : line.text);
  const label = (c: string | number) => (typeof c === 'number' ? `column ${c}` : `column "${c}"`);

  return {
    name: 'csv',
    // The first line below the skipped ones: with a header it must name every mapped column, which other lists do not.
    sniff(head) {
      let text = new TextDecoder(mapping.encoding).decode(head);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const first = text
        .split('\n')
        .slice(mapping.skip_lines)
        .map((l) => l.replace(/\r$/, ''))
        .find((l) => l.trim());
      if (first === undefined || /^\s*[<{[]/.test(first)) return false;
      const cells = first.split(mapping.delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
      const wanted = [...mapped.map((f) => mapping.columns[f]!), ...(typeColumn === undefined ? [] : [typeColumn])];
      return wanted.every((c) => (typeof c === 'number' ? c < cells.length : mapping.header && cells.includes(c)));
    },
    async *parse(input, ctx) {
      const prefix = `${ctx.input}:`;
      const readTime = timeReader(mapping);
      const { parser, events, failure } = collectCsvRecords(
        {
          delimiter: mapping.delimiter,
        },
        MAX_RECORD_SIZE,
      );

      // The lines above the header and the header itself travel with every rejected row: a dead letter is then a
      // small list of its own, which replays through this same mapping once the cause is fixed.
      const skipped: Line[] = [];
      let headerLines: Line[] = [];
      const context = (lines: Line[]) => [...skipped, ...headerLines, ...lines];
      const pending: Pending[] = [];
      let head = 0;
      let parserLine = 0;
      let batch: string[] = [];
      let index: Map<string, number> | undefined = mapping.header ? undefined : new Map();
      let names: string[] = [];
      let at: Record<Field, number> | undefined;
      let typeAt = -1;
      let used = new Set<number>();
      let done = false;

      const take = (lastLine: number): Line[] => {
        const lines: Line[] = [];
        while (head < pending.length && pending[head]!.lastParserLine <= lastLine) {
          const { line } = pending[head++]!;
          if (lines.length > 0 || line.text.trim() !== '') lines.push(line);
        }
        if (head > 1024 && head * 2 > pending.length) {
          pending.splice(0, head);
          head = 0;
        }
        return lines;
      };
      const rejectLines = (lines: Line[], reason: string): Rejected => ({
        rejected: true,
        reason: `line ${lines[0]!.number}: ${reason}`,
        position: prefix + lines[0]!.number,
        raw: joinLines(context(lines)),
      });
      const resolve = (c: string | number) => (typeof c === 'number' ? c : (index!.get(c) ?? -1));

      const readHeader = (fields: string[], lines: Line[]): Rejected | undefined => {
        headerLines = lines;
        names = fields.map((f) => f.trim());
        index = new Map();
        names.forEach((n, i) => (index!.has(n) ? undefined : index!.set(n, i)));
        const wanted: [string, string | number][] = mapped.map((f) => [f, mapping.columns[f]!]);
        if (typeColumn !== undefined) wanted.push(['type', typeColumn]);
        const missing = wanted.filter(([, c]) => typeof c === 'string' && !index!.has(c));
        if (missing.length === 0) return undefined;
        return {
          rejected: true,
          reason:
            `header row (line ${lines[0]!.number}): ${missing.map(([f, c]) => `${label(c)} (mapped to ${f})`).join(', ')} not found; ` +
            `the header has ${names.map((n) => `"${n}"`).join(', ')}; check skip_lines (lines above the header), ` +
            'encoding and the column names in the mapping',
          position: prefix + lines[0]!.number,
          raw: joinLines([...skipped, ...lines]),
        };
      };

      const row = (fields: string[], lines: Line[]): AbuseEvent | Rejected => {
        if (!at) {
          at = Object.fromEntries(
            FIELDS.map((f) => [f, mapping.columns[f] === undefined ? -1 : resolve(mapping.columns[f]!)]),
          ) as Record<Field, number>;
          typeAt = typeColumn === undefined ? -1 : resolve(typeColumn);
          used = new Set([...Object.values(at), typeAt].filter((i) => i >= 0));
        }
        const bad = (reason: string) => rejectLines(lines, reason);
        const cellAt = (i: number) => {
          const v = i < 0 ? undefined : fields[i]?.trim();
          return v === undefined || v === '' || NONE.test(v) ? undefined : v;
        };
        const cell = (f: Field) => cellAt(at![f]);
        const name = (f: Field) => `${label(mapping.columns[f]!)} (${f})`;
        const required = (f: Field) =>
          fields.length <= at![f]
            ? `${name(f)} is missing: the row has ${fields.length} fields`
            : `${name(f)} is empty`;
        const port = (f: Field): number | undefined | string => {
          const v = cell(f);
          if (v === undefined) return undefined;
          return /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535
            ? Number(v)
            : `${name(f)} "${v}" is not a port number from 1 to 65535`;
        };

        const timeCell = cell('time');
        if (timeCell === undefined) return bad(required('time'));
        const time = readTime(timeCell);
        if (time === undefined)
          return bad(
            `${name('time')} "${timeCell}" is not a time in the format ${mapping.time_format === 'iso' ? 'ISO 8601 (2026-11-20T10:00:00, with or without an offset)' : `"${mapping.time_format}"`}`,
          );
        const addressCell = cell('address');
        if (addressCell === undefined) return bad(required('address'));
        const address = normaliseIp(addressCell);
        if (!address.ok) return bad(`${name('address')}: ${address.reason}`);
        const sourcePort = port('port');
        if (typeof sourcePort === 'string') return bad(sourcePort);

        let destination: AbuseEndpoint | undefined;
        const destinationCell = cell('destination_address');
        if (destinationCell !== undefined) {
          const d = normaliseIp(destinationCell);
          if (!d.ok) return bad(`${name('destination_address')}: ${d.reason}`);
          destination = { address: d.indicator.value };
        }
        const destinationPort = port('destination_port');
        if (typeof destinationPort === 'string') return bad(destinationPort);
        if (destinationPort !== undefined) (destination ??= {}).port = destinationPort;

        let type: RsitType;
        let identifier = cell('identifier');
        if (typeof mapping.type === 'string') type = mapping.type;
        else {
          const t = mapping.type;
          const v = cellAt(typeAt) ?? '';
          const lower = v.toLowerCase();
          const found =
            t.values[v] ?? Object.entries(t.values).find(([k]) => k.toLowerCase() === lower)?.[1] ?? t.default;
          if (found === undefined)
            return bad(
              `${label(t.column)} (type) "${v}" is not one of ${Object.keys(t.values)
                .map((k) => `"${k}"`)
                .join(', ')} and the mapping has no type.default; add it to type.values`,
            );
          type = found;
          // The sender's own category name is the finer identifier when no column is mapped to one.
          if (identifier === undefined && v !== '') identifier = v;
        }

        const source: AbuseEndpoint = { address: address.indicator.value };
        if (sourcePort !== undefined) source.port = sourcePort;
        const hostname = cell('hostname');
        if (hostname !== undefined) source.hostname = hostname.toLowerCase();
        const url = cell('url');
        if (url !== undefined) source.url = url;
        const event: AbuseEvent = {
          type,
          time,
          source,
          reporter: mapping.reporter,
          reportType: mapping.report_type,
          evidence: prefix + lines[0]!.number,
        };
        if (identifier !== undefined) event.identifier = identifier;
        if (destination) event.destination = destination;
        const protocol = cell('protocol');
        if (protocol !== undefined) event.protocol = protocol.toLowerCase();
        let detail: Record<string, string> | undefined;
        fields.forEach((v, i) => {
          if (!used.has(i) && v.trim() !== '') (detail ??= {})[names[i] || String(i)] = v.trim();
        });
        if (detail) event.detail = detail;
        return event;
      };

      const drain = function* (): Generator<AbuseEvent | Rejected> {
        for (let k = 0; k < events.length && !done; k++) {
          const e = events[k]!;
          const lines = take(e.lines);
          if (lines.length === 0) continue; // csv-parse reports one broken record more than once
          if ('error' in e) yield rejectLines(lines, `${e.error.message} (${e.error.code})`);
          else if (index === undefined) {
            const problem = readHeader(e.fields, lines);
            if (problem) {
              done = true;
              yield problem;
            }
          } else yield row(e.fields, lines);
        }
        events.length = 0;
      };
      const flush = () => {
        if (batch.length > 0) parser.write(batch.join('\n') + '\n');
        batch = [];
      };

      for await (const line of readLines(input)) {
        if (line.number <= mapping.skip_lines) {
          skipped.push(line);
          continue;
        }
        const text = decode(line);
        // csv-parse counts a lone CR as a line break of its own.
        parserLine += 1 + (text.match(/\r/g)?.length ?? 0);
        pending.push({ line, lastParserLine: parserLine });
        batch.push(text);
        if (batch.length >= BATCH) {
          flush();
          yield* drain();
          if (done) return;
        }
      }
      flush();
      await new Promise<void>((resolveEnd) => parser.end(resolveEnd));
      yield* drain();
      if (done) return;
      const left = take(Number.MAX_SAFE_INTEGER);
      const stopped = failure();
      if (stopped && left.length > 0) yield rejectLines(left, `CSV could not be read: ${stopped.message}`);
      else if (left.length > 0) yield rejectLines(left, 'not read as a CSV record (a quote never closed?)');
      else if (index === undefined)
        yield {
          rejected: true,
          reason: `no header row: the input ended after ${skipped.length} line(s); check skip_lines (now ${mapping.skip_lines})`,
          position: `${prefix}${skipped.length + 1}`,
          raw: skipped.length > 0 ? joinLines(skipped) : new Uint8Array(0),
        };
    },
  };
}

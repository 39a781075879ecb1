import type { AbuseEvent, TriageSuggestion } from '../../domain/abuse-event.js';
import type { Format } from '../../domain/format.js';
import { acnsFormat } from './acns.js';
import { arfFormat } from './arf.js';
import type { CsvMapping } from './csv-mapping-schema.js';
import { csvMappingFormat } from './csv-mapping.js';
import { freeTextFormat } from './free-text.js';
import { reportTypeFromFileName, shadowserverFormat } from './shadowserver.js';
import type { ShadowserverSchema } from './shadowserver-schema.js';
import { xarfFormat } from './xarf.js';

// The abuse report formats by the names the command line, the API and the dead-letter store use, and
// the guess made when a report arrives without a name (a mail to abuse@, an upload).

export const ABUSE_FORMAT_NAMES = ['arf', 'xarf', 'shadowserver', 'acns', 'csv', 'mail'] as const;
export type AbuseFormatName = (typeof ABUSE_FORMAT_NAMES)[number];

export type AbuseRecord = AbuseEvent | TriageSuggestion;

export type AbuseFormatOptions = {
  /** `csv`: the saved column mapping to read with. */
  mapping?: CsvMapping | undefined;
  /** `shadowserver`: the report type when the file name does not say it. */
  reportType?: string | undefined;
  /** `shadowserver`: the operator's schema (the bundled one extended). */
  shadowserverSchema?: ShadowserverSchema | undefined;
};

export function isAbuseFormatName(value: string): value is AbuseFormatName {
  return (ABUSE_FORMAT_NAMES as readonly string[]).includes(value);
}

/** The parser for a format; `csv` needs a mapping (a message that says so otherwise). */
export function abuseFormat(name: AbuseFormatName, options: AbuseFormatOptions = {}): Format<AbuseRecord> {
  switch (name) {
    case 'arf':
      return arfFormat;
    case 'xarf':
      return xarfFormat;
    case 'acns':
      return acnsFormat;
    case 'mail':
      return freeTextFormat;
    case 'shadowserver':
      return shadowserverFormat({ reportType: options.reportType, schema: options.shadowserverSchema });
    case 'csv':
      if (!options.mapping)
        throw new Error('the csv format reads a list through a saved column mapping: give its name (--mapping <name>)');
      return csvMappingFormat(options.mapping);
  }
}

/**
 * Which format a report looks like, from its first bytes and its name. X-ARF before ARF: abusix sends
 * X-ARF inside a feedback report. A mail that is none of the known kinds is free text for a person to
 * triage; anything else (a CSV without Shadowserver's columns, say) needs the operator to say.
 */
export function detectAbuseFormat(head: Uint8Array, fileName: string): AbuseFormatName | undefined {
  if (shadowserverFormat().sniff?.(head)) return 'shadowserver';
  // A report type Shadowserver added after our schema: its name says so, its header starts as theirs do.
  if (reportTypeFromFileName(fileName) !== undefined && /^\uFEFF?"?timestamp"?,/.test(textOf(head, 64)))
    return 'shadowserver';
  if (xarfFormat.sniff?.(head)) return 'xarf';
  if (arfFormat.sniff?.(head)) return 'arf';
  if (acnsFormat.sniff?.(head)) return 'acns';
  if (looksLikeMail(head)) return 'mail';
  return undefined;
}

/** RFC 5322 header lines at the top: `Name: value`, with at least one of the headers every mail has. */
function looksLikeMail(head: Uint8Array): boolean {
  const text = textOf(head, 16384);
  const end = text.search(/\r?\n\r?\n/);
  const headers = end === -1 ? text : text.slice(0, end);
  if (!/^[\x21-\x39\x3b-\x7e]+:/.test(headers)) return false;
  return /^(from|received|message-id|date|subject|return-path):/im.test(headers);
}

function textOf(head: Uint8Array, bytes: number): string {
  return Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, bytes)).toString('utf8');
}

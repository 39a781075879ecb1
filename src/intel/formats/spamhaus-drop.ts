// Spamhaus DROP ("Don't Route Or Peer": netblocks hijacked or run by criminals), both forms it has been published in:
// - JSON lines (https://www.spamhaus.org/drop/drop_v4.json, drop_v6.json), one netblock per line and a last line of
//   metadata that is not a netblock:
//     {"cidr":"192.0.2.0/24","sblid":"SBL123456","rir":"ripencc"}
//     {"type":"metadata","timestamp":1790072042,"size":104461,"records":1,"copyright":"(c) 2026 The Spamhaus Project SLU","terms":"https://www.spamhaus.org/drop/terms/"}
// - the legacy text lists (drop.txt, edrop.txt, dropv6.txt), `;` comments then `cidr ; SBL id`:
//     ; Spamhaus DROP List 2026/11/20 - (c) 2026 The Spamhaus Project SLU
//     192.0.2.0/24 ; SBL123456
// The first line that is not blank says which form the input is.

import type { Format, Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { firstDataLine, headText, jsonType } from './abusech.js';
import { readLines } from './lines.js';

export const spamhausDropFormat: Format<ClaimRecord> = {
  name: 'spamhaus-drop',

  // JSON lines: the first line is a {"cidr":…} netblock (or, for an empty list, the Spamhaus metadata line).
  // Text: `;` comments naming Spamhaus, or a first line of the shape `cidr ; SBLnnn`.
  sniff(head) {
    const text = headText(head);
    const first = text.split('\n', 1)[0]!.trim();
    if (first.startsWith('{')) {
      return first.includes('"cidr"') || (first.includes('"metadata"') && first.includes('Spamhaus'));
    }
    if (first.startsWith(';')) return text.includes('Spamhaus');
    const data = firstDataLine(text, ';');
    return data !== undefined && /^[0-9A-Fa-f:.]+\/\d{1,3}\s*;\s*SBL\d+/.test(data);
  },

  async *parse(input, ctx) {
    let form: 'json' | 'text' | undefined;
    let records = 0; // netblock lines read (accepted or rejected), to check against the metadata's count
    let metadataSeen = false;
    let lastLine = 0;
    for await (const line of readLines(input)) {
      lastLine = line.number;
      const text = line.text.trim();
      if (text === '') continue;
      const position = `${ctx.input}:${line.number}`;
      form ??= text.startsWith('{') ? 'json' : 'text';
      if (form === 'text') {
        if (text.startsWith(';') || text.startsWith('#')) continue;
        records++;
        yield textRecord(text, line.number, position, line.raw);
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        records++;
        yield reject(line.number, `not a JSON object: ${(error as Error).message}`, position, line.raw);
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        records++;
        yield reject(line.number, `the line is ${jsonType(value)}, expected a JSON object`, position, line.raw);
        continue;
      }
      const fields = value as Record<string, unknown>;
      if (fields.type === 'metadata') {
        metadataSeen = true;
        // The metadata line counts the netblocks before it: fewer means the download was cut short.
        if (typeof fields.records === 'number' && fields.records !== records) {
          const reason = `the metadata says ${fields.records} records, the file has ${records}: the download is truncated or damaged`;
          yield reject(line.number, reason, position, line.raw);
        }
        continue;
      }
      records++;
      yield jsonRecord(fields, line.number, position, line.raw);
    }
    if (form === 'json' && !metadataSeen) {
      // drop_v4.json ends with its metadata line; without it the end of the file is missing.
      const reason = 'no metadata line at the end: the download is truncated';
      yield { rejected: true, reason, position: `${ctx.input}:${lastLine + 1}`, raw: new Uint8Array(0) };
    }
  },
};

function jsonRecord(fields: Record<string, unknown>, line: number, position: string, raw: Uint8Array) {
  const cidr = fields.cidr;
  if (cidr === undefined) return reject(line, 'field cidr is missing', position, raw);
  if (typeof cidr !== 'string' || !looksLikeCidr(cidr.trim())) {
    return reject(line, `field cidr ${JSON.stringify(cidr)} is not a netblock like 192.0.2.0/24`, position, raw);
  }
  const attributes: Record<string, unknown> = {};
  if (fields.sblid !== undefined && fields.sblid !== null) attributes.sblid = fields.sblid;
  if (fields.rir !== undefined && fields.rir !== null) attributes.rir = fields.rir;
  return claim(cidr.trim(), attributes, position, raw);
}

function textRecord(text: string, line: number, position: string, raw: Uint8Array): ClaimRecord | Rejected {
  const semicolon = text.indexOf(';');
  const cidr = (semicolon === -1 ? text : text.slice(0, semicolon)).trim();
  if (!looksLikeCidr(cidr)) {
    return reject(line, `${JSON.stringify(cidr)} is not a netblock like 192.0.2.0/24`, position, raw);
  }
  const sblid = semicolon === -1 ? '' : text.slice(semicolon + 1).trim();
  return claim(cidr, sblid === '' ? {} : { sblid }, position, raw);
}

function claim(cidr: string, attributes: Record<string, unknown>, position: string, raw: Uint8Array): ClaimRecord {
  const record: ClaimRecord = {
    type: 'cidr',
    value: cidr,
    // DROP is advice to drop all traffic to and from the netblock: a blocklist, not a finding about one threat.
    category: 'blocklist',
    attributes,
    position,
    raw,
  };
  // Spamhaus's own page for an SBL record (the link its DNSBL TXT answers give).
  if (typeof attributes.sblid === 'string' && /^SBL\d+$/.test(attributes.sblid)) {
    record.reference = `https://check.spamhaus.org/sbl/query/${attributes.sblid}`;
  }
  return record;
}

/** A shape check only (address characters, one `/`, a prefix length): ingest validates the address itself. */
function looksLikeCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash <= 0 || slash !== text.lastIndexOf('/')) return false;
  const bits = text.slice(slash + 1);
  if (bits.length === 0 || bits.length > 3) return false;
  for (let i = 0; i < text.length; i++) {
    if (i === slash) continue;
    const c = text.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2e ||
      c === 0x3a ||
      (i < slash && ((c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)));
    if (!ok || (i > slash && (c < 0x30 || c > 0x39))) return false;
  }
  return true;
}

function reject(line: number, message: string, position: string, raw: Uint8Array): Rejected {
  return { rejected: true, reason: `line ${line}: ${message}`, position, raw };
}

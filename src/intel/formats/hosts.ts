// Hosts-file blocklists (StevenBlack, AdAway, URLhaus hostfile, someonewhocares): `<sink address> <name> [<name>…]`
// with `#` comments. Every name on a sink line is a domain to block; the entries every hosts file carries (localhost,
// broadcasthost, ip6-allnodes, …) are skipped; a line mapping names to a real address is not a blocklist entry and is
// rejected, because blocking it would follow a redirect someone put there on purpose.

import type { Format, Rejected } from '../../domain/format.js';
import type { ClaimRecord } from '../claim-record.js';
import { readLines } from './lines.js';

/** Addresses blocklists point names at so that they resolve to nowhere. */
const SINK_ADDRESSES = new Set(['0.0.0.0', '0', '127.0.0.1', '::', '::0', '::1', '0:0:0:0:0:0:0:0', '0:0:0:0:0:0:0:1']);

/** Names of the standard entries of a hosts file (Debian, Red Hat, macOS, Windows), and StevenBlack's `0.0.0.0 0.0.0.0`. */
const STANDARD_NAMES = new Set([
  'localhost',
  'localhost.localdomain',
  'localhost4',
  'localhost4.localdomain4',
  'localhost6',
  'localhost6.localdomain6',
  'local',
  'broadcasthost',
  'ip4-localhost',
  'ip4-loopback',
  'ip4-allnodes',
  'ip4-allrouters',
  'ip6-localhost',
  'ip6-loopback',
  'ip6-localnet',
  'ip6-mcastprefix',
  'ip6-allnodes',
  'ip6-allrouters',
  'ip6-allhosts',
  '0.0.0.0',
]);

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0x0d || c === 0xa0;
}

/** The words of a line before its `#` comment (host names cannot contain `#`). */
export function hostsWords(text: string): string[] {
  const words: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === 0x23) break;
    const start = i;
    while (i < n) {
      c = text.charCodeAt(i);
      if (isSpace(c) || c === 0x23) break;
      i++;
    }
    words.push(text.slice(start, i));
  }
  return words;
}

function isStandard(name: string): boolean {
  return STANDARD_NAMES.has(name) || STANDARD_NAMES.has(name.toLowerCase());
}

function isSink(address: string): boolean {
  return SINK_ADDRESSES.has(address) || SINK_ADDRESSES.has(address.toLowerCase());
}

/** Roughly an address: digits, dots, hex and colons (with a `%zone`), as in the first column of a hosts file. */
function looksLikeAddress(word: string): boolean {
  if (word.length === 0) return false;
  let colon = false;
  let digit = false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c === 0x25) return colon; // fe80::1%lo0
    if (c === 0x3a) colon = true;
    else if (c >= 0x30 && c <= 0x39) digit = true;
    else if (c === 0x2e) continue;
    else if (!((c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) return false;
  }
  return colon || digit;
}

export const hostsFormat: Format<ClaimRecord> = {
  name: 'hosts',
  // A hosts file's lines are `<address> <name>…`: a plain list has one word per line, a zone file and CSV have no
  // address first, and an HTML page starts with markup.
  sniff(head) {
    let text = new TextDecoder('utf-8', { fatal: false }).decode(head);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const lines = text.split('\n');
    if (lines.length > 1 && !text.endsWith('\n')) lines.pop();
    let entries = 0;
    for (const line of lines) {
      const words = hostsWords(line);
      if (words.length === 0) continue;
      if (words.length < 2 || !looksLikeAddress(words[0]!)) return false;
      entries++;
    }
    return entries > 0;
  },
  async *parse(input, ctx): AsyncIterable<ClaimRecord | Rejected> {
    const prefix = `${ctx.input}:`;
    for await (const line of readLines(input)) {
      const words = hostsWords(line.text);
      if (words.length === 0) continue;
      const address = words[0]!;
      const position = prefix + line.number;
      if (words.length === 1) {
        yield {
          rejected: true,
          reason: looksLikeAddress(address)
            ? `line ${line.number}: address "${address}" has no host name after it`
            : `line ${line.number}: expected "<address> <host name>", found only "${address}"`,
          position,
          raw: line.raw,
        };
        continue;
      }
      if (!isSink(address)) {
        // A real address is fine only on the standard lines (255.255.255.255 broadcasthost, ff02::1 ip6-allnodes).
        let standard = true;
        for (let i = 1; i < words.length; i++) if (!isStandard(words[i]!)) standard = false;
        if (standard) continue;
        yield {
          rejected: true,
          reason: `line ${line.number}: "${address}" is not a blocking address (0.0.0.0, 127.0.0.1, ::, ::1); this line maps names to a real host`,
          position,
          raw: line.raw,
        };
        continue;
      }
      for (let i = 1; i < words.length; i++) {
        const name = words[i]!;
        if (isStandard(name)) continue;
        yield { type: 'domain', value: name, position, raw: line.raw };
      }
    }
  },
};

// DNS Response Policy Zone files (draft-vixie-dnsop-dns-rpz; BIND, Unbound, PowerDNS; URLhaus, Spamhaus and partner
// RPZ feeds) read as intel: each QNAME or rpz-ip trigger becomes a record and its policy action an attribute. The zone
// is read as an RFC 1035 master file: `;` comments, `$ORIGIN`, blank owners inheriting the previous owner, optional TTL
// and class, parentheses spanning lines. Records at the apex (SOA, NS) and DNSSEC records are zone plumbing, skipped.

import type { Format, Rejected } from '../../domain/format.js';
import type { IndicatorType } from '../../domain/indicator.js';
import type { ClaimRecord } from '../claim-record.js';
import { joinLines, readLines, type Line } from './lines.js';
import { ipv6GroupsText } from '../../net/ipv6-text.js';

export type RpzOptions = {
  /** The zone's apex (`rpz.example.net`), for zones whose owners are absolute and that carry no `$ORIGIN` or SOA. */
  origin?: string;
};

/** Types that are not policy: the zone's own records and its signatures. */
const SKIPPED_TYPES = new Set([
  'SOA',
  'NS',
  'RRSIG',
  'NSEC',
  'NSEC3',
  'NSEC3PARAM',
  'DNSKEY',
  'DS',
  'CDS',
  'CDNSKEY',
  'ZONEMD',
]);
const CLASSES = new Set(['IN', 'CH', 'HS', 'CS', 'ANY']);
/** Triggers that match resolver or client data, not something a blocklist can carry. */
const NOT_IMPORTED = ['rpz-client-ip', 'rpz-nsdname', 'rpz-nsip'];
/** A group of lines kept open by a parenthesis cannot run on for ever (an SOA takes a handful). */
const MAX_ENTRY_LINES = 200;

type Owner = { apex: true } | { apex: false; name: string } | { error: string };

type Entry = { tokens: string[]; blankOwner: boolean; comment: string; lines: Line[] };

/** Splits one line into fields: `;` comments, `"…"` strings and `\` escapes kept as written, parentheses counted. */
function tokenize(text: string, tokens: string[], depth: number): { depth: number; comment: string } {
  const n = text.length;
  let i = 0;
  let comment = '';
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d) {
      i++;
    } else if (c === 0x3b) {
      comment = text.slice(i + 1).trim();
      break;
    } else if (c === 0x28) {
      depth++;
      i++;
    } else if (c === 0x29) {
      depth--;
      i++;
    } else {
      const start = i;
      let quoted = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          i += 2;
          continue;
        }
        if (d === 0x22) quoted = !quoted;
        else if (!quoted && (d === 0x20 || d === 0x09 || d === 0x0d || d === 0x3b || d === 0x28 || d === 0x29)) break;
        i++;
      }
      tokens.push(text.slice(start, Math.min(i, n)));
    }
  }
  return { depth, comment };
}

function isTtl(token: string): boolean {
  // 3600, or BIND's 1h30m / 1w style.
  const c = token.charCodeAt(0);
  if (c < 0x30 || c > 0x39) return false;
  for (let i = 1; i < token.length; i++) {
    const d = token.charCodeAt(i) | 0x20;
    if (!((d >= 0x30 && d <= 0x39) || d === 0x73 || d === 0x6d || d === 0x68 || d === 0x64 || d === 0x77)) return false;
  }
  return true;
}

function absolute(name: string): string {
  return name.endsWith('.') && !name.endsWith('\\.') ? name : `${name}.`;
}

/** `24.0.2.0.192` → 192.0.2.0/24; `48.zz.db8.2001` → 2001:db8::/48 (the labels before `.rpz-ip`). */
export function rpzIpTrigger(labels: string): { type: IndicatorType; value: string } | string {
  const parts = labels.split('.');
  const prefixText = parts[0]!;
  if (!/^\d{1,3}$/.test(prefixText)) return `prefix length "${prefixText}" is not a number`;
  const prefix = Number(prefixText);
  const address = parts.slice(1).reverse();
  if (address.length === 4 && address.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    if (prefix < 1 || prefix > 32) return `prefix length ${prefix} is out of range for IPv4 (1–32)`;
    const ip = address.map(Number).join('.');
    return prefix === 32 ? { type: 'ipv4', value: ip } : { type: 'cidr', value: `${ip}/${prefix}` };
  }
  if (address.length < 1 || address.length > 8) return `"${labels}" is not a reversed IPv4 or IPv6 address`;
  const zz = address.filter((p) => p.toLowerCase() === 'zz').length;
  if (zz > 1) return `"${labels}" has more than one "zz"`;
  if (zz === 0 && address.length !== 8)
    return `"${labels}" is not a reversed IPv4 address (4 labels) or IPv6 address (8 groups or "zz")`;
  if (zz === 1 && address.length > 7) return `"${labels}" has "zz" standing for no zero groups`;
  const groups: number[] = [];
  for (const p of address) {
    if (p.toLowerCase() === 'zz') {
      for (let k = 0; k < 9 - address.length; k++) groups.push(0);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      groups.push(parseInt(p, 16));
    } else {
      return `"${p}" in "${labels}" is not an IPv6 group`;
    }
  }
  if (prefix < 1 || prefix > 128) return `prefix length ${prefix} is out of range for IPv6 (1–128)`;
  const ip = ipv6GroupsText(groups);
  return prefix === 128 ? { type: 'ipv6', value: ip } : { type: 'cidr', value: `${ip}/${prefix}` };
}

export function rpzFormat(options: RpzOptions = {}): Format<ClaimRecord> {
  const configuredApex = options.origin ? absolute(options.origin).toLowerCase() : undefined;
  return {
    name: 'rpz',
    // A zone file shows itself by `$ORIGIN`/`$TTL`, an SOA record, or RPZ's own actions (`CNAME .`, `CNAME
    // rpz-passthru.`) and triggers (`.rpz-ip`); plain lists, hosts files, CSV and HTML have none of them.
    sniff(head) {
      let text = new TextDecoder('utf-8', { fatal: false }).decode(head);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const lines = text.split('\n');
      if (lines.length > 1 && !text.endsWith('\n')) lines.pop();
      for (const line of lines) {
        const tokens: string[] = [];
        tokenize(line, tokens, 0);
        if (tokens.length === 0) continue;
        const first = tokens[0]!;
        if (first.startsWith('<') || first.startsWith('{') || first.startsWith('[')) return false;
        const upper = first.toUpperCase();
        if (upper === '$ORIGIN' || upper === '$TTL') return true;
        for (let i = 1; i < tokens.length; i++) {
          const t = tokens[i]!.toUpperCase();
          if (t === 'SOA') return true;
          if (t === 'CNAME') {
            const target = (tokens[i + 1] ?? '').toLowerCase();
            if (target === '.' || target === '*.' || target.startsWith('rpz-')) return true;
          }
        }
        if (first.toLowerCase().includes('.rpz-ip')) return true;
      }
      return false;
    },
    async *parse(input, ctx): AsyncIterable<ClaimRecord | Rejected> {
      const prefix = `${ctx.input}:`;
      let apex = configuredApex;
      let origin: string | undefined = options.origin ? absolute(options.origin) : undefined;
      let originIsApex = origin !== undefined;
      let owner: Owner | undefined;
      let entry: Entry | undefined;
      let depth = 0;

      const reject = (e: Entry, reason: string): Rejected => {
        const first = e.lines[0]!;
        return {
          rejected: true,
          reason: `line ${first.number}: ${reason}`,
          position: prefix + first.number,
          raw: joinLines(e.lines),
        };
      };

      const resolve = (token: string): Owner => {
        let full: string;
        if (token === '@') {
          // "@" is the apex whatever its name: its records (SOA, NS) are skipped, so the name need not be known.
          if (origin === undefined) return { apex: true };
          full = origin;
        } else if (!token.endsWith('.') || token.endsWith('\\.')) {
          if (origin === undefined || originIsApex) return { apex: false, name: token };
          full = `${token}.${origin}`;
        } else {
          full = token;
        }
        if (apex === undefined)
          return {
            error: `owner "${token}" is absolute but the zone origin is not known (set $ORIGIN or the origin option)`,
          };
        const lower = full.toLowerCase();
        if (lower === apex) return { apex: true };
        if (
          lower.length > apex.length &&
          lower.endsWith(apex) &&
          lower.charCodeAt(lower.length - apex.length - 1) === 0x2e
        ) {
          return { apex: false, name: full.slice(0, full.length - apex.length - 1) };
        }
        return { error: `owner "${token}" is outside the zone ${apex}` };
      };

      const handle = (e: Entry): ClaimRecord | Rejected | undefined => {
        const tokens = e.tokens;
        let at = 0;
        if (!e.blankOwner) {
          const first = tokens[0]!;
          if (first.charCodeAt(0) === 0x24) {
            const directive = first.toUpperCase();
            if (directive === '$ORIGIN') {
              const name = tokens[1];
              if (name === undefined) return reject(e, '$ORIGIN without a name');
              if (name.endsWith('.')) origin = name;
              else if (origin !== undefined) origin = `${name}.${origin}`;
              else return reject(e, `$ORIGIN "${name}" is relative and there is no origin to append`);
              apex ??= origin.toLowerCase();
              originIsApex = origin.toLowerCase() === apex;
              return undefined;
            }
            if (directive === '$TTL') return undefined;
            if (directive === '$INCLUDE')
              return reject(e, '$INCLUDE is not followed: a feed must be one whole zone file');
            return reject(e, `directive ${first} is not supported`);
          }
          at = 1;
        }
        let type: string | undefined;
        for (let seen = 0; at < tokens.length && seen < 3; seen++) {
          const t = tokens[at]!;
          if (isTtl(t) || CLASSES.has(t.toUpperCase())) {
            at++;
            continue;
          }
          type = t.toUpperCase();
          at++;
          break;
        }
        if (type === undefined) return reject(e, 'no record type after the owner, TTL and class');
        if (!e.blankOwner) {
          const token = tokens[0]!;
          // The SOA's owner is the apex: a zone without $ORIGIN that writes its names in full is read by it.
          if (type === 'SOA' && apex === undefined && token.endsWith('.')) {
            apex = token.toLowerCase();
            originIsApex = origin === undefined || origin.toLowerCase() === apex;
          }
          owner = resolve(token);
        } else if (owner === undefined) {
          return reject(e, 'the line starts with a blank (same owner as before) but there is no owner before it');
        }
        if ('error' in owner) return reject(e, owner.error);
        if (owner.apex || SKIPPED_TYPES.has(type)) return undefined;
        const rdata = tokens.slice(at);
        if (rdata.length === 0) return reject(e, `${type} record without data`);

        let name = owner.name;
        const lower = name.toLowerCase();
        for (const trigger of NOT_IMPORTED) {
          if (lower === trigger || lower.endsWith(`.${trigger}`))
            return reject(e, `trigger type not imported (${trigger})`);
        }
        let recordType: IndicatorType;
        let wildcard = false;
        if (lower === 'rpz-ip' || lower.endsWith('.rpz-ip')) {
          const ip = rpzIpTrigger(name.slice(0, Math.max(0, name.length - 7)));
          if (typeof ip === 'string') return reject(e, `rpz-ip trigger "${name}": ${ip}`);
          recordType = ip.type;
          name = ip.value;
        } else {
          recordType = 'domain';
          if (lower.startsWith('*.')) {
            // Blocking a domain in Mizugiwa covers its subdomains already; the flag keeps what the zone said.
            name = name.slice(2);
            wildcard = true;
          } else if (lower === '*') {
            return reject(e, 'wildcard "*" at the apex would match every name');
          }
        }

        const attributes: Record<string, unknown> = {};
        if (type === 'CNAME') {
          const target = rdata[0]!;
          const t = target.toLowerCase();
          if (t === '.') attributes.action = 'nxdomain';
          else if (t === '*.') attributes.action = 'nodata';
          else if (t === 'rpz-passthru.') attributes.action = 'passthru';
          else if (t === 'rpz-drop.') attributes.action = 'drop';
          else if (t === 'rpz-tcp-only.') attributes.action = 'tcp-only';
          // Old zones say PASSTHRU by pointing a QNAME trigger at itself.
          else if (recordType === 'domain' && !wildcard && t === `${lower}.`) attributes.action = 'passthru';
          else {
            attributes.action = 'redirect';
            attributes.target = target;
          }
        } else {
          // A, AAAA, TXT, … at a trigger are RPZ "local data": the answer is replaced by this data.
          attributes.action = 'redirect';
          attributes.target = rdata.join(' ');
          attributes.rrtype = type;
        }
        if (wildcard) attributes.wildcard = true;
        if (e.comment !== '') attributes.comment = e.comment;
        const first = e.lines[0]!;
        const record: ClaimRecord = {
          type: recordType,
          value: name,
          attributes,
          position: prefix + first.number,
          raw: joinLines(e.lines),
        };
        // PASSTHRU exempts a name from the other policies: an allowlist entry, never something to block.
        if (attributes.action === 'passthru') record.mode = 'monitor';
        return record;
      };

      for await (const line of readLines(input)) {
        const text = line.text;
        if (entry === undefined) {
          const tokens: string[] = [];
          const r = tokenize(text, tokens, 0);
          if (tokens.length === 0) {
            if (r.depth !== 0) entry = { tokens, blankOwner: false, comment: r.comment, lines: [line] };
            else continue;
          } else {
            const c = text.charCodeAt(0);
            entry = { tokens, blankOwner: c === 0x20 || c === 0x09, comment: r.comment, lines: [line] };
          }
          depth = r.depth;
        } else {
          const r = tokenize(text, entry.tokens, depth);
          depth = r.depth;
          entry.lines.push(line);
          if (entry.comment === '') entry.comment = r.comment;
        }
        if (depth > 0) {
          if (entry.lines.length >= MAX_ENTRY_LINES) {
            yield reject(entry, `"(" not closed within ${MAX_ENTRY_LINES} lines`);
            entry = undefined;
            depth = 0;
          }
          continue;
        }
        const e = entry;
        entry = undefined;
        if (depth < 0) {
          depth = 0;
          yield reject(e, '")" without "("');
          continue;
        }
        if (e.tokens.length === 0) continue;
        const out = handle(e);
        if (out !== undefined) yield out;
      }
      if (entry !== undefined) yield reject(entry, '"(" not closed at the end of the file');
    },
  };
}

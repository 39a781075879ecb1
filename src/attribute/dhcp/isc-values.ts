import { hexBytes } from './dhcp-identifiers.js';
import type { IscToken } from './isc-statements.js';

// The values inside dhcpd.leases statements: times and byte strings.

/**
 * A lease time: `2 2026/11/24 23:51:37` (weekday, date and time, UTC: dhcpd's default), `epoch 1795564579`
 * (with `db-time-format local;`, the comment after it being local time for people), or `never`.
 * Undefined when it is none of these.
 */
export function iscTime(words: readonly IscToken[]): number | 'never' | undefined {
  const [first, second, third] = words;
  if (first === undefined) return undefined;
  if (first.text === 'never' && words.length === 1) return 'never';
  if (first.text === 'epoch' && second !== undefined && words.length === 2) {
    return /^\d{1,12}$/.test(second.text) ? Number(second.text) * 1000 : undefined;
  }
  // The weekday is redundant and is not checked; a file without it is read all the same.
  const [date, time] = words.length === 3 && /^[0-6]$/.test(first.text) ? [second, third] : [first, second];
  if (date === undefined || time === undefined || words.length > 3) return undefined;
  const d = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(date.text);
  const t = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(time.text);
  if (d === null || t === null) return undefined;
  const [year, month, day, hour, minute, second2] = [d[1], d[2], d[3], t[1], t[2], t[3]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second2 > 60) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second2);
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

/**
 * The bytes of an identifier: a quoted string (each character one byte, as the statement reader decoded it)
 * or, with `lease-id-format hex;` and for `hardware`, colon-separated hex.
 */
export function tokenBytes(token: IscToken | undefined): number[] | undefined {
  if (token === undefined) return undefined;
  if (token.quoted) return [...token.text].map((c) => c.charCodeAt(0));
  return hexBytes(token.text);
}

/** A quoted string's bytes as text (host names are UTF-8 or, nearly always, ASCII). */
export function utf8Text(token: IscToken): string {
  return new TextDecoder().decode(Uint8Array.from(tokenBytes(token) ?? []));
}

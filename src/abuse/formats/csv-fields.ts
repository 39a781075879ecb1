// Shadowserver's CSV rows, read at the speed millions of rows need: one record split into fields by a plain loop
// (RFC 4180 quoting, as Shadowserver writes it: text cells quoted, numbers bare), and the one timestamp form nearly
// every row has, read without a regex or a Date.

const QUOTE = 0x22;
const COMMA = 0x2c;

/**
 * Splits one CSV record into `into` (cleared first). Returns false when a quoted field is still open at the end
 * of the text: the record continues on the next line. Text after a closing quote is kept, not refused.
 */
export function splitFields(text: string, into: string[]): boolean {
  into.length = 0;
  const n = text.length;
  let i = 0;
  for (;;) {
    if (i < n && text.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) {
          into.push(value + text.slice(from));
          return false;
        }
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += text.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      if (i < n && text.charCodeAt(i) !== COMMA) {
        const comma = text.indexOf(',', i);
        value += comma === -1 ? text.slice(i) : text.slice(i, comma);
        i = comma === -1 ? n : comma;
      }
      into.push(value);
      if (i >= n) return true;
      i++;
    } else {
      const comma = text.indexOf(',', i);
      if (comma === -1) {
        into.push(text.slice(i));
        return true;
      }
      into.push(text.slice(i, comma));
      i = comma + 1;
    }
  }
}

/** A decimal number of up to 10 digits, or -1. */
export function digits(text: string): number {
  if (text.length > 10) return -1;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return text.length === 0 ? -1 : n;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The form nearly every Shadowserver row has, `2026-11-20 01:02:03` (UTC; also with `T` or a trailing `Z`), read
 * without a regex or a Date; anything else is left to a general reader (shadowserver.ts uses toIso).
 */
export function fastUtc(t: string): string | undefined {
  const n = t.length;
  if (n !== 19 && !(n === 20 && t.charCodeAt(19) === 90)) return undefined;
  const sep = t.charCodeAt(10);
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || (sep !== 32 && sep !== 84)) return undefined;
  if (t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58) return undefined;
  const year = digits(t.slice(0, 4));
  const month = digits(t.slice(5, 7));
  const day = digits(t.slice(8, 10));
  const hour = digits(t.slice(11, 13));
  const minute = digits(t.slice(14, 16));
  const second = digits(t.slice(17, 19));
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59)
    return undefined;
  if (second < 0 || second > 59) return undefined;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
  if (day > DAYS[month - 1]! + leap) return undefined;
  return `${t.slice(0, 10)}T${t.slice(11, 19)}.000Z`;
}

// The value rules a subscriber record follows wherever it comes from (a CSV export, the billing system), so a
// subscriber imported from a file and the same one looked up over HTTP come out identical.

import { normaliseEmail } from '../../net/email.js';
import type { SubscriberKeyKind } from '../../domain/lease.js';
import type { SubscriberLocale, SubscriberStatus } from './subscriber-record.js';

/** A value in its stored form, or what is wrong with it and how to fix it (the caller says where). */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * Lower case and checked. NFKC first: Japanese spreadsheets often hold full-width `ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ`,
 * which mail software would not deliver to.
 */
export function normaliseSubscriberEmail(text: string): Checked<string> {
  const email = text.normalize('NFKC').trim().toLowerCase();
  const checked = normaliseEmail(email);
  if (!checked.ok) return { ok: false, problem: `${checked.reason}; write it as name@example.jp` };
  // A customer's address always has a dotted domain; `taro@localhost` or `taro@gmail` is a typing slip.
  if (!email.slice(email.lastIndexOf('@') + 1).includes('.'))
    return { ok: false, problem: `"${text}" has no dot in its domain; write the whole domain, e.g. name@example.jp` };
  return { ok: true, value: email };
}

const MAC_FORMS = [
  /^([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})[:-]([0-9a-f]{1,2})$/,
  /^([0-9a-f]{2})([0-9a-f]{2})\.([0-9a-f]{2})([0-9a-f]{2})\.([0-9a-f]{2})([0-9a-f]{2})$/,
  /^([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/,
];

/**
 * `00:1a:2b:3c:4d:5e`, the form DHCP servers log, from any of the forms people and equipment write: colons or
 * hyphens (Windows), Cisco's dotted `001a.2b3c.4d5e`, or twelve bare hex digits.
 */
export function normaliseMac(text: string): Checked<string> {
  const t = text.normalize('NFKC').trim().toLowerCase();
  for (const form of MAC_FORMS) {
    const m = form.exec(t);
    if (m)
      return {
        ok: true,
        value: m
          .slice(1)
          .map((octet) => octet.padStart(2, '0'))
          .join(':'),
      };
  }
  return {
    ok: false,
    problem: `"${text}" is not a MAC address; write six bytes in hex, like 00:1a:2b:3c:4d:5e or 00-1A-2B-3C-4D-5E`,
  };
}

/** Lease sources match keys exactly; only a MAC has one right spelling to bring every form to. */
export function normaliseKey(kind: SubscriberKeyKind, value: string): Checked<string> {
  if (kind === 'mac') return normaliseMac(value);
  const t = value.trim();
  return t === '' ? { ok: false, problem: 'the key is empty' } : { ok: true, value: t };
}

/**
 * The keys in one cell. A cell holding `;` is split on `;` alone, so a circuit id with spaces in it
 * (`xe-0/0/1:100 vlan 20`) can still be written; otherwise on spaces (half- or full-width) as well.
 */
export function splitKeys(cell: string): string[] {
  const parts = /[;；]/.test(cell) ? cell.split(/[;；]/) : cell.split(/\s+/);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const STATUS_WORDS = new Map<string, SubscriberStatus>([
  ['active', 'active'],
  ['suspended', 'suspended'],
  ['closed', 'closed'],
  ['利用中', 'active'],
  ['停止', 'suspended'],
  ['停止中', 'suspended'],
  ['解約', 'closed'],
  ['解約済', 'closed'],
  ['解約済み', 'closed'],
]);

export const STATUS_HELP = 'active / suspended / closed, or 利用中 / 停止 / 解約';

export function parseSubscriberStatus(text: string): Checked<SubscriberStatus> {
  const status = STATUS_WORDS.get(text.normalize('NFKC').trim().toLowerCase());
  return status
    ? { ok: true, value: status }
    : { ok: false, problem: `"${text}" is not a status; write one of ${STATUS_HELP}` };
}

const LOCALE_WORDS = new Map<string, SubscriberLocale>([
  ['ja', 'ja'],
  ['jp', 'ja'],
  ['ja-jp', 'ja'],
  ['japanese', 'ja'],
  ['日本語', 'ja'],
  ['en', 'en'],
  ['en-us', 'en'],
  ['en-gb', 'en'],
  ['english', 'en'],
  ['英語', 'en'],
]);

export const LOCALE_HELP = 'ja / en, or 日本語 / 英語';

/** The language notices are written in: `ja` or `en`, from the codes and names a billing export may hold. */
export function parseSubscriberLocale(text: string): Checked<SubscriberLocale> {
  const locale = LOCALE_WORDS.get(text.normalize('NFKC').trim().toLowerCase().replace('_', '-'));
  return locale
    ? { ok: true, value: locale }
    : { ok: false, problem: `"${text}" is not a language notices are written in; write one of ${LOCALE_HELP}` };
}

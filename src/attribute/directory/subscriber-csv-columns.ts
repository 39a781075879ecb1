// The columns a subscriber CSV may have, under the names ISPs' exports give them in English and in Japanese.

import type { SubscriberKeyKind } from '../../domain/lease.js';

export type SubscriberField =
  'id' | 'name' | 'nameKana' | 'email' | 'phone' | 'postalAddress' | 'contract' | 'plan' | 'status' | 'locale';

/** What a column holds: one field of the record, or keys of one kind (several key columns of a kind may exist). */
export type ColumnMeaning = { field: SubscriberField } | { key: SubscriberKeyKind };

type ColumnName = { meaning: ColumnMeaning; english: string; japanese: string[]; alsoAccepted?: string[] };

const COLUMNS: ColumnName[] = [
  {
    meaning: { field: 'id' },
    english: 'id',
    japanese: ['加入者ID', '顧客ID'],
    alsoAccepted: ['subscriber_id', 'customer_id'],
  },
  { meaning: { field: 'name' }, english: 'name', japanese: ['氏名', '名前'] },
  {
    meaning: { field: 'nameKana' },
    english: 'name_kana',
    japanese: ['フリガナ', '氏名カナ'],
    alsoAccepted: ['ふりがな'],
  },
  { meaning: { field: 'email' }, english: 'email', japanese: ['メール', 'メールアドレス'] },
  { meaning: { field: 'phone' }, english: 'phone', japanese: ['電話', '電話番号'] },
  { meaning: { field: 'postalAddress' }, english: 'postal_address', japanese: ['住所'] },
  { meaning: { field: 'contract' }, english: 'contract', japanese: ['契約'] },
  { meaning: { field: 'plan' }, english: 'plan', japanese: ['プラン'] },
  { meaning: { field: 'status' }, english: 'status', japanese: ['状態'] },
  { meaning: { field: 'locale' }, english: 'language', japanese: ['言語'], alsoAccepted: ['locale'] },
  // ユーザ名 without the long-vowel mark is the spelling much Japanese IT software uses.
  {
    meaning: { key: 'user' },
    english: 'radius_user',
    japanese: ['RADIUSユーザー名'],
    alsoAccepted: ['RADIUSユーザ名', 'radius_user_name'],
  },
  { meaning: { key: 'mac' }, english: 'mac', japanese: ['MACアドレス'], alsoAccepted: ['mac_address'] },
  { meaning: { key: 'circuit' }, english: 'circuit_id', japanese: ['回線ID'] },
  {
    meaning: { key: 'client-id' },
    english: 'client_id',
    japanese: ['クライアントID'],
    alsoAccepted: ['dhcp_client_id'],
  },
];

/**
 * The spelling differences that do not change a name: case, full- and half-width forms (NFKC: ＩＤ, ﾌﾘｶﾞﾅ),
 * spaces, underscores, hyphens and the middle dot (`Name Kana`, `name-kana`, `E-mail`, `MAC・アドレス`).
 */
function nameKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-・]/g, '');
}

const BY_NAME = new Map<string, ColumnMeaning>();
for (const c of COLUMNS)
  for (const name of [c.english, ...c.japanese, ...(c.alsoAccepted ?? [])]) BY_NAME.set(nameKey(name), c.meaning);

/** What a header cell means, or undefined for a name this format does not know. */
export function columnMeaning(header: string): ColumnMeaning | undefined {
  return BY_NAME.get(nameKey(header));
}

/** The names to tell a person who wrote one this format does not know. */
export const ALLOWED_COLUMNS_HELP = COLUMNS.map((c) => `${c.english} (${c.japanese.join(' / ')})`).join(', ');

export const REQUIRED_FIELDS: SubscriberField[] = ['id', 'name'];

/** A field's column name for messages: the English one and its Japanese names. */
export function fieldHelp(field: SubscriberField): string {
  const c = COLUMNS.find((c) => 'field' in c.meaning && c.meaning.field === field)!;
  return `${c.english} (${c.japanese.join(' / ')})`;
}

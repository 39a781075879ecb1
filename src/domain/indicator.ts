// Indicators and what sources say about them (DESIGN.md: Indicator, Claim, Source).

export const INDICATOR_TYPES = [
  'domain',
  'ipv4',
  'ipv6',
  'cidr',
  'url',
  'email',
  'ip-port',
  'md5',
  'sha1',
  'sha256',
] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

/** One normalised observable. `value` is canonical for its type (see src/net/normalise.ts). */
export type Indicator = { type: IndicatorType; value: string };

export const CATEGORIES = ['c2', 'malware', 'phishing', 'botnet', 'spam', 'scanner', 'blocklist', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

/** TLP 2.0 labels, lower case, as stored. */
export const TLP_LEVELS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type Tlp = (typeof TLP_LEVELS)[number];

/** How restrictive each label is: when a record carries several, the most restrictive applies. */
export const TLP_RANK: Record<Tlp, number> = { clear: 0, green: 1, amber: 2, 'amber+strict': 3, red: 4 };

/** When a record names several categories, the most specific wins. */
export const CATEGORY_RANK: Record<Category, number> = {
  c2: 7,
  phishing: 6,
  botnet: 5,
  malware: 4,
  spam: 3,
  scanner: 2,
  blocklist: 1,
  other: 0,
};

/** block: enforce it; monitor: watch for it and report, but never block (e.g. MISP attributes without to_ids). */
export const CLAIM_MODES = ['block', 'monitor'] as const;
export type ClaimMode = (typeof CLAIM_MODES)[number];

export function isIndicatorType(value: string): value is IndicatorType {
  return (INDICATOR_TYPES as readonly string[]).includes(value);
}
export function isCategory(value: string): value is Category {
  return (CATEGORIES as readonly string[]).includes(value);
}

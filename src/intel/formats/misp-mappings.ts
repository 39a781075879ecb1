// How MISP says what an attribute is, in our terms: which attribute types are indicators (and of which type),
// and what the tags (TLP, taxonomies, galaxies) and MISP categories say about TLP and category. Tables and the
// lookup over them, no parsing; misp-feed.ts applies them to each attribute.

import { CATEGORY_RANK, TLP_RANK, type Category, type Tlp } from '../../domain/indicator.js';
import { isObject } from './misp-values.js';

// ---------------------------------------------------------------------------------------------------------
// Attribute types

/** How a MISP attribute type becomes indicators; types not listed (comment, text, filename, AS, link…) are skipped. */
type Mapping =
  'domain' | 'ip' | 'ip|port' | 'domain|ip' | 'url' | 'email' | 'md5' | 'sha1' | 'sha256' | 'filename|hash';

export const TYPES: ReadonlyMap<string, Mapping> = new Map<string, Mapping>([
  ['domain', 'domain'],
  ['hostname', 'domain'],
  ['ip-dst', 'ip'],
  ['ip-src', 'ip'],
  ['ip-dst|port', 'ip|port'],
  ['ip-src|port', 'ip|port'],
  ['domain|ip', 'domain|ip'],
  ['url', 'url'],
  // `link` is a reference to a report about the event, not an indicator: not listed, so skipped.
  ['email', 'email'],
  ['email-src', 'email'],
  ['email-dst', 'email'],
  ['md5', 'md5'],
  ['sha1', 'sha1'],
  ['sha256', 'sha256'],
  // `filename|<hash>` carries the file's hash; the hash is the indicator, the file name is kept as an attribute.
  ['filename|md5', 'filename|hash'],
  ['filename|sha1', 'filename|hash'],
  ['filename|sha256', 'filename|hash'],
]);

// ---------------------------------------------------------------------------------------------------------
// Tags: TLP and category

const TLP_TAGS: ReadonlyMap<string, Tlp> = new Map<string, Tlp>([
  ['tlp:clear', 'clear'],
  ['tlp:white', 'clear'], // TLP 1.0 WHITE is TLP 2.0 CLEAR
  ['tlp:green', 'green'],
  ['tlp:amber', 'amber'],
  ['tlp:amber+strict', 'amber+strict'],
  ['tlp:red', 'red'],
]);

/**
 * Category from tags (lower-cased names). MISP says what an indicator is for in taxonomy tags rather than in the
 * attribute's category, so these win: the kill-chain "Command and Control" phase and the RSIT / eCSIRT / CIRCL
 * incident classes name c2, phishing, botnet (infected systems), spam and scanners; malware classification tags
 * (malware_classification, ms-caro-malware, a malpedia galaxy) say malware.
 */
const TAG_CATEGORIES: ReadonlyMap<string, Category> = new Map<string, Category>([
  ['kill-chain:command and control', 'c2'],
  ['rsit:malicious-code="c2-server"', 'c2'],
  ['ecsirt:malicious-code="c2server"', 'c2'],
  ['rsit:fraud="phishing"', 'phishing'],
  ['ecsirt:fraud="phishing"', 'phishing'],
  ['circl:incident-classification="phishing"', 'phishing'],
  ['rsit:malicious-code="infected-system"', 'botnet'],
  ['ecsirt:malicious-code="botnet-drone"', 'botnet'],
  ['rsit:malicious-code="malware-distribution"', 'malware'],
  ['rsit:malicious-code="malware-configuration"', 'malware'],
  ['ecsirt:malicious-code="malware"', 'malware'],
  ['circl:incident-classification="malware"', 'malware'],
  ['rsit:abusive-content="spam"', 'spam'],
  ['ecsirt:abusive-content="spam"', 'spam'],
  ['circl:incident-classification="spam"', 'spam'],
  ['rsit:information-gathering="scanner"', 'scanner'],
  ['ecsirt:information-gathering="scanner"', 'scanner'],
]);
const MALWARE_TAG_PREFIXES = ['malware_classification:', 'ms-caro-malware:', 'misp-galaxy:malpedia='];

/**
 * Category from the attribute's MISP category when no tag says more: payload delivery / installation and
 * dropped artifacts are malware; any other MISP category (Network activity, External analysis, …) only says
 * where the value was seen, so `other`.
 */
export const MISP_CATEGORIES: ReadonlyMap<string, Category> = new Map<string, Category>([
  ['Payload delivery', 'malware'],
  ['Payload installation', 'malware'],
  ['Artifacts dropped', 'malware'],
]);

export type TagFacts = { names: string[]; tlp?: Tlp; category?: Category };

/** What a list of MISP tags says: their names, the most restrictive TLP and the most specific category. */
export function tagFacts(tags: unknown): TagFacts {
  const facts: TagFacts = { names: [] };
  if (!Array.isArray(tags)) return facts;
  for (const tag of tags) {
    const name = isObject(tag) ? tag.name : undefined;
    if (typeof name !== 'string' || name === '') continue;
    facts.names.push(name);
    const lower = name.toLowerCase();
    const tlp = TLP_TAGS.get(lower);
    if (tlp !== undefined && (facts.tlp === undefined || TLP_RANK[tlp] > TLP_RANK[facts.tlp])) facts.tlp = tlp;
    let category = TAG_CATEGORIES.get(lower);
    if (category === undefined && MALWARE_TAG_PREFIXES.some((p) => lower.startsWith(p))) category = 'malware';
    if (
      category !== undefined &&
      (facts.category === undefined || CATEGORY_RANK[category] > CATEGORY_RANK[facts.category])
    ) {
      facts.category = category;
    }
  }
  return facts;
}

import { domainToASCII } from 'node:url';
import type { Normalised } from './result.js';
import { invalid } from './result.js';

const MAX_NAME = 253;
const MAX_LABEL = 63;
// Letters, digits, hyphen; underscore too, because DNS (unlike hostnames) allows it and malware uses it.
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;

/**
 * A domain name in the form every index and export uses: lower case, A-labels (IDNA), no trailing
 * dot, each label 1–63 characters of letters, digits, `-` and `_` (no leading or trailing hyphen),
 * 253 characters at most, and a top-level label that is not all digits (that would be an address).
 */
export function normaliseDomain(input: string): Normalised {
  let name = input.trim();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === '') return invalid('empty domain name');
  if (/\s/.test(name)) return invalid(`"${input}" contains white space`);
  const ascii = /^[\x21-\x7e]*$/.test(name) ? name.toLowerCase() : domainToASCII(name.toLowerCase());
  if (ascii === '') return invalid(`"${input}" is not a valid internationalised domain name (IDNA conversion failed)`);
  if (ascii.length > MAX_NAME)
    return invalid(`"${input}" is ${ascii.length} characters long; a domain name has at most ${MAX_NAME}`);
  const labels = ascii.split('.');
  for (const label of labels) {
    if (label === '') return invalid(`"${input}" has an empty label (two dots in a row, or a leading dot)`);
    if (label.length > MAX_LABEL)
      return invalid(`"${input}" has a label of ${label.length} characters; the limit is ${MAX_LABEL}`);
    if (!LABEL.test(label))
      return invalid(
        `"${input}": the label "${label}" may hold only letters, digits, "-" and "_", and may not start or end with "-"`,
      );
  }
  if (/^\d+$/.test(labels[labels.length - 1] as string)) {
    return invalid(`"${input}" ends in an all-numeric label: it looks like an IP address, not a domain name`);
  }
  return { ok: true, indicator: { type: 'domain', value: ascii } };
}

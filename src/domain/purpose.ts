// Why someone reads data the secrecy of communications protects. The list is fixed, so that the audit
// trail can be counted and reviewed by purpose; `other` needs words, and any purpose may carry a
// reference (a case number, a request id) that ties the read to the paperwork behind it.

export const PURPOSE_KINDS = [
  'abuse-notice',
  'security-incident',
  'legal-disclosure',
  'police-request',
  'customer-request',
  'other',
] as const;
export type PurposeKind = (typeof PURPOSE_KINDS)[number];

export type Purpose = { kind: PurposeKind; text?: string | undefined };

export function isPurposeKind(value: string): value is PurposeKind {
  return (PURPOSE_KINDS as readonly string[]).includes(value);
}

/** A purpose from what a person typed, or the message key saying what is missing. */
export function parsePurpose(
  kind: string | undefined,
  text?: string | undefined,
):
  | { ok: true; purpose: Purpose }
  | { ok: false; key: 'purpose.required' | 'purpose.unknown' | 'purpose.other_needs_text' } {
  const k = kind?.trim() ?? '';
  if (k === '') return { ok: false, key: 'purpose.required' };
  if (!isPurposeKind(k)) return { ok: false, key: 'purpose.unknown' };
  const t = text?.trim() || undefined;
  if (k === 'other' && (t === undefined || t.length < 5)) return { ok: false, key: 'purpose.other_needs_text' };
  return { ok: true, purpose: { kind: k, text: t } };
}

/** The purpose as the audit trail keeps it: `abuse-notice` or `abuse-notice: CASE-1234`. */
export function purposeText(purpose: Purpose): string {
  return purpose.text ? `${purpose.kind}: ${purpose.text}` : purpose.kind;
}

// The purposes of reading subscriber data (src/domain/purpose.ts on the server) in the UI's language. The list itself
// comes from the server (GET /api/attribution/purposes); a purpose the UI has no words for yet shows as it is.
import type { TFunction } from 'i18next';
import type { PurposeKind } from './api-types/admin';

/** The server's purposes, in its order (src/domain/purpose.ts); the case page offers these. */
export const PURPOSE_KINDS: readonly PurposeKind[] = [
  'abuse-notice',
  'security-incident',
  'legal-disclosure',
  'police-request',
  'customer-request',
  'other',
];

function isKnown(kind: string): kind is PurposeKind {
  return (PURPOSE_KINDS as readonly string[]).includes(kind);
}

export function purposeLabel(kind: string, t: TFunction): string {
  return isKnown(kind) ? t(`lookup.purposes.${kind}`) : kind;
}

/** The purpose as the audit trail keeps it: `abuse-notice` or `abuse-notice: CASE-9`. */
export function purposeText(kind: string, reference: string): string {
  const ref = reference.trim();
  return ref ? `${kind}: ${ref}` : kind;
}

import { parsePurpose, PURPOSE_KINDS, type Purpose, type PurposeKind } from '../domain/purpose.js';
import { UserFacingError } from '../domain/user-facing-error.js';

/** The purpose of a request that reads subscriber data, or a 400 saying what is missing. */
export function purposeOf(query: { purpose?: string | undefined; reference?: string | undefined }): Purpose {
  const parsed = parsePurpose(query.purpose, query.reference);
  if (!parsed.ok) throw new UserFacingError(400, parsed.key);
  return parsed.purpose;
}

export type PurposeChoice = { kind: PurposeKind; referenceRequired: boolean };

/**
 * The purposes a person may choose from, as forms offer them: the list is the server's, so a form never
 * offers one the API would refuse. Only `other` needs words (parsePurpose says how many).
 */
export function purposeChoices(): PurposeChoice[] {
  return PURPOSE_KINDS.map((kind) => ({ kind, referenceRequired: !parsePurpose(kind).ok }));
}

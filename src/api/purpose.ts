import { parsePurpose, type Purpose } from '../domain/purpose.js';
import { UserFacingError } from '../domain/user-facing-error.js';

/** The purpose of a request that reads subscriber data, or a 400 saying what is missing. */
export function purposeOf(query: { purpose?: string | undefined; reference?: string | undefined }): Purpose {
  const parsed = parsePurpose(query.purpose, query.reference);
  if (!parsed.ok) throw new UserFacingError(400, parsed.key);
  return parsed.purpose;
}

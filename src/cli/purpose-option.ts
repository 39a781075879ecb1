import type { Command } from 'commander';
import { parsePurpose, PURPOSE_KINDS, type Purpose } from '../domain/purpose.js';
import { UserFacingError } from '../domain/user-facing-error.js';

/** The options every command that reads subscriber data takes: why, from the fixed list, and a reference. */
export function withPurposeOption(command: Command): Command {
  return command
    .option('-p, --purpose <kind>', `why you read this; recorded in the audit trail: ${PURPOSE_KINDS.join(', ')}`)
    .option('-r, --reference <text>', 'case number, request id or, for "other", the reason in words');
}

export function purposeFrom(opts: { purpose?: string; reference?: string }): Purpose {
  const parsed = parsePurpose(opts.purpose, opts.reference);
  if (!parsed.ok) throw new UserFacingError(400, parsed.key);
  return parsed.purpose;
}

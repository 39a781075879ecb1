import { existsSync } from 'node:fs';

/**
 * A real component a test needs is missing: the test skips with this reason, except under
 * MIZUGIWA_E2E=require (what CI sets), where the missing component fails the run instead.
 */
export function requireOrSkip(reason: string): string {
  if (process.env.MIZUGIWA_E2E === 'require') {
    throw new Error(`MIZUGIWA_E2E=require but a required component is missing: ${reason}`);
  }
  return reason;
}

/** The skip reason for a missing program, naming its Debian package; false when present. */
export function missingProgram(path: string, debianPackage: string): string | false {
  return existsSync(path)
    ? false
    : requireOrSkip(`${path} not found (install the Debian package ${debianPackage}: scripts/install-test-deps.sh)`);
}

import { fileURLToPath } from 'node:url';

/** bench/ and the repository root, independent of the working directory. */
export const benchDir = fileURLToPath(new URL('..', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

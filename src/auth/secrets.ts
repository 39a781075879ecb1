import { createHash, randomBytes } from 'node:crypto';

// Tokens and session ids carry 256 random bits, so a fast hash is enough to store them: unlike a
// password, there is nothing to guess. Only the hash is kept; the secret is shown once.

export const TOKEN_PREFIX = 'mzg_';

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function newApiToken(): string {
  return TOKEN_PREFIX + newSecret();
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

import { createHash, randomBytes } from 'node:crypto';

/** A mailed token is 256 random bits, base64url: 43 characters. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * A new single-use token to send by mail (password reset, email confirmation), and the hash
 * to store instead of it: a leaked table then holds nothing usable.
 */
export function newMailToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: digest(token) };
}

/** The stored hash of a token someone presents, or `null` when it cannot be a mailed token. */
export function mailTokenHash(token: string): string | null {
  return TOKEN_PATTERN.test(token) ? digest(token) : null;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

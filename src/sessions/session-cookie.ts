import { createHmac, timingSafeEqual } from 'node:crypto';

/** A session id read from a signed cookie value. Internal. */
export interface VerifiedSessionId {
  readonly id: string;
  /** Signed with a secret other than the first: the cookie should be signed again. */
  readonly stale: boolean;
}

/**
 * Signs a session id as both middlewares do: `<id>.<HMAC-SHA-256, base64, unpadded>`, so cookies
 * issued before an upgrade keep working. express-session prefixes the result with `s:` itself.
 */
export function signSessionId(id: string, secret: string): string {
  return `${id}.${mac(id, secret)}`;
}

/**
 * The id a signed value `<id>.<mac>` carries when one of `secrets` signed it, else `undefined`.
 * Compared in constant time; every secret is tried, so a rotated secret still verifies.
 */
export function verifySessionId(
  value: string,
  secrets: readonly string[],
): VerifiedSessionId | undefined {
  // Ids are 43 characters and MACs 43: anything far longer is refused before any HMAC is spent.
  if (value.length > MAX_SIGNED_LENGTH) return undefined;
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = value.slice(0, dot);
  const actual = Buffer.from(value.slice(dot + 1));
  for (let i = 0; i < secrets.length; i++) {
    const expected = Buffer.from(mac(id, secrets[i]!));
    if (expected.length === actual.length && timingSafeEqual(expected, actual)) {
      return { id, stale: i > 0 };
    }
  }
  return undefined;
}

/** The longest signed value read: room for ids other middlewares made, never a whole header. */
const MAX_SIGNED_LENGTH = 256;

function mac(id: string, secret: string): string {
  return createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');
}

import type { AuthRejection } from '../core/auth-reason.js';

/**
 * The claim and header checks every JWT verifier of the library makes the same way, whoever
 * issued the token: the JWT backend for its own tokens, the OIDC backend for an identity
 * provider's.
 */

/** The longest clock tolerance accepted anywhere: more would keep expired tokens alive. */
export const MAX_TOLERANCE_SECONDS = 300;

/** Whether `value` is a NumericDate (RFC 7519 §2): a finite, non-negative number of seconds. */
export function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** Whether the `aud` claim (a string or an array of them) names one of `accepted`. */
export function audienceMatches(aud: unknown, accepted: readonly string[]): boolean {
  if (typeof aud === 'string') return accepted.includes(aud);
  return Array.isArray(aud) && aud.some((a) => typeof a === 'string' && accepted.includes(a));
}

/**
 * The `typ` header compared the way RFC 7515 §4.1.9 asks: case-insensitive, with the
 * `application/` prefix optional. `undefined` when the header is absent or not a string.
 */
export function normalizedTyp(typ: unknown): string | undefined {
  if (typeof typ !== 'string') return undefined;
  const value = typ.toLowerCase();
  return value.startsWith('application/') ? value.slice('application/'.length) : value;
}

/** The times of a verified token, in ms since the epoch. */
export interface TokenTimes {
  readonly expiresAt: number;
  readonly notBefore: number | undefined;
  readonly issuedAt: number | undefined;
}

/**
 * Expiry, not-before, issued-in-the-future and maximum age at `now`, each with the tolerance:
 * `JWT_EXPIRED` or `JWT_NOT_YET_VALID` with what was wrong, or `undefined` when the times are
 * fine. A token without `iat` has no age: a verifier that enforces a maximum age requires `iat`
 * first. `maxAgeOption` names the option in the detail.
 */
export function timeRejection(
  now: number,
  times: TokenTimes,
  toleranceMs: number,
  maxAge: { readonly ms: number | undefined; readonly option: string },
): AuthRejection | undefined {
  if (now >= times.expiresAt + toleranceMs) return { reason: 'JWT_EXPIRED', detail: 'exp passed' };
  if (times.notBefore !== undefined && now + toleranceMs < times.notBefore) {
    return { reason: 'JWT_NOT_YET_VALID', detail: 'nbf in the future' };
  }
  if (times.issuedAt === undefined) return undefined;
  if (times.issuedAt > now + toleranceMs) {
    return { reason: 'JWT_NOT_YET_VALID', detail: 'iat in the future' };
  }
  if (maxAge.ms !== undefined && now >= times.issuedAt + maxAge.ms + toleranceMs) {
    return { reason: 'JWT_EXPIRED', detail: `older than ${maxAge.option}` };
  }
  return undefined;
}

/** The scopes of a space-separated `scope` value (RFC 6749 §3.3), frozen. */
export function splitScope(scope: string): readonly string[] {
  return Object.freeze(scope.split(' ').filter((s) => s !== ''));
}

/** Freezes `value` and everything inside it, so verified claims cannot be changed later. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

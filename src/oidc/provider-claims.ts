import { mismatch, oneOf, type AuthRejection } from '../core/auth-reason.js';
import { AuthResults, type AuthSuccess } from '../core/auth-result.js';
import {
  audienceMatches,
  deepFreeze,
  isTime,
  splitScope,
  timeRejection,
  type TokenTimes,
} from '../jws/jwt-checks.js';
import type { IssuerSettings } from './oidc-settings.js';

/** A token whose claims passed: the result the backend returns, and the times to re-check. */
export interface AcceptedClaims {
  readonly success: AuthSuccess;
  readonly times: TokenTimes;
  readonly toleranceMs: number;
  readonly maxAge: { readonly ms: number | undefined; readonly option: string };
}

/** Where the claims came from: a signed JWT, or the provider's introspection answer. */
export type ClaimsSource = 'jwt' | 'introspection';

/**
 * Checks the claims of an identity provider's token and turns them into the backend's result:
 * `iss` (exact; an introspection answer may leave it out), `aud` (required, one of the
 * configured audiences), `exp` (required in a JWT), `nbf` and `iat` when present, the maximum age
 * (which then needs `iat`), and the identity claim. `scope` or `scp` become the scopes, the roles
 * claim the roles. Times are checked at `now` with the issuer's tolerance.
 */
export function acceptClaims(
  backend: string,
  settings: IssuerSettings,
  claims: Record<string, unknown>,
  source: ClaimsSource,
  now: number,
): AcceptedClaims | AuthRejection {
  const { iss, aud, exp, nbf, iat, jti } = claims;
  if (iss !== settings.issuer && !(source === 'introspection' && iss === undefined)) {
    return { reason: 'OIDC_ISS_MISMATCH', detail: mismatch(oneOf([settings.issuer]), iss) };
  }
  if (!audienceMatches(aud, settings.audience)) {
    return { reason: 'JWT_AUD_MISMATCH', detail: mismatch(oneOf(settings.audience), aud) };
  }
  if (exp === undefined ? source === 'jwt' : !isTime(exp)) return claimProblem('exp', exp);
  if (nbf !== undefined && !isTime(nbf)) return claimProblem('nbf', nbf);
  if (iat !== undefined && !isTime(iat)) return claimProblem('iat', iat);
  if (iat === undefined && settings.maxAgeMs !== undefined) return claimProblem('iat', iat);
  const identity = claims[settings.identityClaim];
  if (typeof identity !== 'string' || identity === '' || identity.length > 1024) {
    return claimProblem(settings.identityClaim, identity);
  }
  const scopes = settings.narrowByScopes ? scopesOf(claims) : undefined;
  if (scopes === null) return claimProblem('scope', claims.scope ?? claims.scp);
  const times: TokenTimes = {
    expiresAt: exp === undefined ? Infinity : (exp as number) * 1000,
    notBefore: nbf === undefined ? undefined : nbf * 1000,
    issuedAt: iat === undefined ? undefined : Math.round(iat * 1000),
  };
  const problem = timeRejection(now, times, settings.toleranceMs, maxAgeOf(settings));
  if (problem !== undefined) return problem;
  const success = Object.freeze(
    AuthResults.success(backend, identity, {
      claims: deepFreeze(claims),
      scopes,
      // An outside token never comes straight from this service's own credential check.
      fresh: false,
      issuedAt: times.issuedAt,
      credentialId: typeof jti === 'string' && jti !== '' ? jti.slice(0, 256) : undefined,
      issuer: settings.issuer,
      roles: rolesOf(claims, settings.rolesClaim),
    }),
  );
  return { success, times, toleranceMs: settings.toleranceMs, maxAge: maxAgeOf(settings) };
}

/** The issuer's maximum token age, and its option's name for the detail. */
function maxAgeOf(settings: IssuerSettings): { ms: number | undefined; option: string } {
  return { ms: settings.maxAgeMs, option: `${settings.path}.maxTokenAgeSeconds` };
}

/**
 * The scopes of `scope` (space-separated, RFC 8693 §4.2, RFC 9068 §2.2.3) or else `scp` (an
 * array, as Okta writes it, or space-separated, as Entra ID does); `undefined` when neither is
 * there, `null` when the claim is malformed.
 */
function scopesOf(claims: Record<string, unknown>): readonly string[] | undefined | null {
  const { scope, scp } = claims;
  if (scope !== undefined) return typeof scope === 'string' ? splitScope(scope) : null;
  if (scp === undefined) return undefined;
  if (typeof scp === 'string') return splitScope(scp);
  if (Array.isArray(scp) && scp.every((s) => typeof s === 'string')) {
    return Object.freeze(scp.filter((s) => s !== ''));
  }
  return null;
}

/**
 * The roles at the first of `paths` that leads somewhere: an array of strings (other entries are
 * skipped) or one string. A missing or malformed claim gives no roles, which grants nothing.
 */
function rolesOf(
  claims: Record<string, unknown>,
  paths: readonly (readonly string[])[] | undefined,
): readonly string[] | undefined {
  if (paths === undefined) return undefined;
  for (const path of paths) {
    let value: unknown = claims;
    for (const name of path) {
      value =
        value !== null && typeof value === 'object' && Object.hasOwn(value, name)
          ? (value as Record<string, unknown>)[name]
          : undefined;
    }
    if (value === undefined) continue;
    if (typeof value === 'string') return Object.freeze([value]);
    if (Array.isArray(value)) {
      return Object.freeze(value.filter((r): r is string => typeof r === 'string' && r !== ''));
    }
    return Object.freeze([]);
  }
  return Object.freeze([]);
}

function claimProblem(claim: string, value: unknown): AuthRejection {
  return {
    reason: 'JWT_CLAIM_INVALID',
    detail: `${claim} ${value === undefined ? 'missing' : 'malformed'}`,
  };
}

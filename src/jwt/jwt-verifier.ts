import { Injectable } from '@nestjs/common';
import passportJwt from 'passport-jwt';
import { Clock } from '../core/clock.js';
import { PassportAdapter } from '../passport/passport-adapter.js';
import type { JwtKey } from './jwt-key.js';
import { parseJwt } from './jwt-parser.js';
import { JwtSettings } from './jwt-settings.js';
import type { TokenClaims, TokenType, VerifiedToken } from './token-claims.js';
import { VerifiedTokenCache } from './verified-token.cache.js';

/** The `typ` header of each token type (RFC 9068 for access tokens; RFC 8725 §3.11). */
export const TOKEN_TYP: Readonly<Record<TokenType, string>> = {
  access: 'at+jwt',
  refresh: 'refresh+jwt',
};

interface Carrier {
  readonly token: string;
}

/**
 * Verifies tokens: the library's strict checks first (structure, allowlisted algorithm bound to
 * the `kid`'s key, type, `crit`), then the signature through passport-jwt (jsonwebtoken, handed
 * the key's `KeyObject` and its single algorithm), then the claims against the `Clock`.
 * Revocation is not checked here: callers do it on every use, cached or not.
 *
 * Internal; `TokenService.verify` is the public entry point.
 */
@Injectable()
export class JwtVerifier {
  private readonly cache: VerifiedTokenCache;
  private readonly adapters = new Map<string, PassportAdapter>();

  constructor(
    private readonly settings: JwtSettings,
    private readonly clock: Clock,
  ) {
    this.cache = new VerifiedTokenCache(settings.cacheSize);
    for (const key of settings.keys.values()) {
      // jsonwebtoken has no EdDSA; those keys are checked with node:crypto in `signatureOk`.
      if (key.algorithm !== 'EdDSA') this.adapters.set(key.kid, this.adapterFor(key));
    }
  }

  /** The verified token, or the reason it was refused (for auth events, never for clients). */
  async verify(token: string, expected: TokenType): Promise<VerifiedToken | string> {
    const cached = this.cache.get(token);
    if (cached !== undefined) {
      return cached.type === expected ? (this.timeProblem(cached) ?? cached) : 'wrong token type';
    }
    const parsed = parseJwt(token);
    if (typeof parsed === 'string') return parsed;
    const { header, payload } = parsed;

    const alg = header.alg;
    if (typeof alg !== 'string' || !this.settings.algorithms.has(alg as JwtKey['algorithm'])) {
      return 'algorithm not allowed';
    }
    if ('crit' in header) return 'unsupported crit header';
    if (!typeMatches(header.typ, expected)) return 'wrong token type';
    const key = this.keyFor(header.kid, alg);
    if (typeof key === 'string') return key;
    if (key.algorithm !== alg) return 'algorithm does not match the key';

    const signature = await this.signatureProblem(
      key,
      token,
      parsed.signingInput,
      parsed.signature,
    );
    if (signature !== undefined) return signature;

    const verified = this.checkClaims(payload as TokenClaims, expected, key.kid);
    if (typeof verified === 'string') return verified;
    const problem = this.timeProblem(verified);
    if (problem !== undefined) return problem;
    this.cache.set(token, verified);
    return verified;
  }

  private keyFor(kid: unknown, alg: string): JwtKey | string {
    if (kid !== undefined) {
      // `kid` only ever selects among configured keys; `jku`, `x5u` and `jwk` are never read.
      if (typeof kid !== 'string') return 'malformed kid';
      return this.settings.keys.get(kid) ?? 'unknown kid';
    }
    const candidates = this.settings.keysByAlgorithm.get(alg as JwtKey['algorithm']) ?? [];
    return candidates.length === 1 ? candidates[0]! : 'kid required';
  }

  private async signatureProblem(
    key: JwtKey,
    token: string,
    signingInput: string,
    signature: Buffer,
  ): Promise<string | undefined> {
    if (key.algorithm === 'EdDSA') {
      return key.verifyEdDsa(signingInput, signature) ? undefined : 'invalid signature';
    }
    const outcome = await this.adapters.get(key.kid)!.run({ token } satisfies Carrier);
    switch (outcome.kind) {
      case 'success':
        return undefined;
      case 'fail':
        return outcome.reason;
      case 'error':
        return `signature check failed: ${String((outcome.error as Error)?.message ?? outcome.error)}`;
    }
  }

  private checkClaims(claims: TokenClaims, type: TokenType, kid: string): VerifiedToken | string {
    const { exp, iat, nbf, jti } = claims;
    if (!isTime(exp)) return exp === undefined ? 'exp missing' : 'malformed exp';
    if (!isTime(iat)) return iat === undefined ? 'iat missing' : 'malformed iat';
    if (nbf !== undefined && !isTime(nbf)) return 'malformed nbf';
    if (typeof jti !== 'string' || jti === '' || jti.length > 256) return 'jti missing';
    const { issuer, audience, identityClaim } = this.settings;
    if (issuer !== undefined && claims.iss !== issuer) return 'wrong issuer';
    if (audience !== undefined && !audienceMatches(claims.aud, audience)) return 'wrong audience';
    const subject = claims[identityClaim];
    if (typeof subject !== 'string' || subject === '' || subject.length > 1024) {
      return `${identityClaim} missing`;
    }
    const family = claims.fam;
    if (family !== undefined && (typeof family !== 'string' || family === ''))
      return 'malformed fam';
    if (type === 'refresh' && (family === undefined || !isTime(claims.fam_exp))) {
      return 'refresh token without family';
    }
    if (type === 'refresh' && !isGeneration(claims.fam_gen)) return 'malformed fam_gen';
    // "Log out everywhere" remembers its cut-off for the longest lifetime configured here; a
    // token living longer (another issuer's choice) would come back to life after it.
    if ((exp - iat) * 1000 > this.settings.longestLifetimeMs) {
      return 'token lifetime too long';
    }
    let scopes: readonly string[] | undefined;
    if (claims.scope !== undefined) {
      if (typeof claims.scope !== 'string') return 'malformed scope';
      scopes = Object.freeze(claims.scope.split(' ').filter((s) => s !== ''));
    }
    return Object.freeze({
      type,
      claims: deepFreeze(claims),
      kid,
      subject,
      id: jti,
      family,
      issuedAt: Math.round(iat * 1000),
      expiresAt: exp * 1000,
      notBefore: nbf === undefined ? undefined : nbf * 1000,
      fresh: type === 'access' && claims.fresh === true,
      scopes,
    });
  }

  /** Expiry, not-before, issued-in-the-future and maximum age, with the tolerance. */
  timeProblem(token: VerifiedToken): string | undefined {
    const now = this.clock.now();
    const tolerance = this.settings.toleranceMs;
    if (now >= token.expiresAt + tolerance) return 'token expired';
    if (token.notBefore !== undefined && now + tolerance < token.notBefore) {
      return 'token not yet valid';
    }
    if (token.issuedAt > now + tolerance) return 'token issued in the future';
    const maxAge = this.settings.maxAgeMs;
    if (maxAge !== undefined && now >= token.issuedAt + maxAge + tolerance) return 'token too old';
    return undefined;
  }

  private adapterFor(key: JwtKey): PassportAdapter {
    const strategy = new passportJwt.Strategy(
      {
        jwtFromRequest: (carrier: Carrier) => carrier.token,
        secretOrKey: key.verifyKey as unknown as string,
        algorithms: [key.algorithm as Exclude<JwtKey['algorithm'], 'EdDSA'>],
        // Times are checked against the injected Clock in `timeProblem`, not Date.now().
        ignoreExpiration: true,
        jsonWebTokenOptions: { ignoreNotBefore: true },
      },
      (payload: unknown, done: (error: unknown, user?: unknown) => void) => done(null, payload),
    );
    return new PassportAdapter(`jwt:${key.kid}`, strategy);
  }
}

function typeMatches(typ: unknown, expected: TokenType): boolean {
  if (typeof typ !== 'string') return false;
  let value = typ.toLowerCase();
  if (value.startsWith('application/')) value = value.slice('application/'.length);
  return value === TOKEN_TYP[expected];
}

function audienceMatches(aud: unknown, accepted: readonly string[]): boolean {
  if (typeof aud === 'string') return accepted.includes(aud);
  return Array.isArray(aud) && aud.some((a) => typeof a === 'string' && accepted.includes(a));
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A refresh token's generation: a whole number from 0. */
function isGeneration(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

import { Injectable } from '@nestjs/common';
import passportJwt from 'passport-jwt';
import { Clock } from '../core/clock.js';
import {
  mismatch,
  oneOf,
  received,
  type AuthReasonCode,
  type AuthRejection,
} from '../core/auth-reason.js';
import { verifySignature } from '../jws/jws-algorithms.js';
import { PassportAdapter, type StrategyOutcome } from '../passport/passport-adapter.js';
import { hasHighS } from '../jws/ecdsa-signature.js';
import {
  audienceMatches,
  deepFreeze,
  isTime,
  normalizedTyp,
  splitScope,
  timeRejection,
} from '../jws/jwt-checks.js';
import {
  isStrictPayload,
  parseJwt,
  parseJwtHeader,
  payloadRejection,
  type JwtWithHeader,
} from '../jws/jwt-parser.js';
import { VerifiedTokenCache } from '../jws/verified-token.cache.js';
import type { JwtKey } from './jwt-key.js';
import { JwtSettings } from './jwt-settings.js';
import type { TokenClaims, TokenType, VerifiedToken } from './token-claims.js';

/** The `typ` header of each token type (RFC 9068 for access tokens; RFC 8725 §3.11). */
export const TOKEN_TYP: Readonly<Record<TokenType, string>> = {
  access: 'at+jwt',
  refresh: 'refresh+jwt',
  custom: 'custom+jwt',
};

/** How a lifetime refusal names the type. */
const AS_TYPE: Readonly<Record<TokenType, string>> = {
  access: 'an access token',
  refresh: 'a refresh token',
  custom: 'a custom token',
};

interface Carrier {
  readonly token: string;
}

/** A token {@link JwtVerifier} accepted. */
export interface TokenAccepted {
  readonly ok: true;
  readonly token: VerifiedToken;
  /**
   * Whether the result is the one kept in the verified-token cache, so the same `token` object
   * comes back on the next hit: only then is it worth remembering what is derived from it.
   */
  readonly cached?: true;
}

/** A token {@link JwtVerifier} refused, and why. */
export interface TokenRefused extends AuthRejection {
  readonly ok: false;
}

/** What {@link JwtVerifier.verify} returns. */
export type TokenVerification = TokenAccepted | TokenRefused;

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
  private readonly cache: VerifiedTokenCache<TokenAccepted>;
  private readonly adapters = new Map<string, PassportAdapter>();
  private readonly maxAge: { readonly ms: number | undefined; readonly option: string };
  private lastHeader: object | undefined;
  private lastExpected: TokenType | undefined;
  private lastKey: JwtKey | undefined;

  constructor(
    private readonly settings: JwtSettings,
    private readonly clock: Clock,
  ) {
    this.cache = new VerifiedTokenCache(settings.cacheSize);
    this.maxAge = { ms: settings.maxAgeMs, option: 'jwt.maxTokenAgeSeconds' };
    for (const key of settings.keys.values()) {
      // jsonwebtoken has no EdDSA; those keys are checked with node:crypto in `verify`.
      if (key.algorithm !== 'EdDSA') this.adapters.set(key.kid, this.adapterFor(key));
    }
  }

  /**
   * The verified token, or why it was refused (for auth events, never for clients). The answer
   * itself when every step ended synchronously (a cache hit, or passport-jwt with its fixed
   * key), so the request path pays no promise; a promise otherwise, which never rejects.
   */
  verify(token: string, expected: TokenType): TokenVerification | Promise<TokenVerification> {
    const cached = this.cache.get(token);
    if (cached !== undefined) {
      if (cached.token.type !== expected) {
        return typeRefused(expected, TOKEN_TYP[cached.token.type]);
      }
      return this.timeProblem(cached.token) ?? cached;
    }
    // Only the header is decoded here: jsonwebtoken decodes the payload for the signature check
    // and passport-jwt hands it over, so decoding it here too would parse every token twice.
    const parsed = parseJwtHeader(token);
    if ('reason' in parsed) return refused(parsed.reason, parsed.detail);
    const refusal = this.keyOf(parsed.header, expected);
    if ('ok' in refusal) return this.afterPayload(parsed, refusal);
    const key = refusal;
    if (key.algorithm.startsWith('ES') || key.algorithm === 'EdDSA') {
      const signature = Buffer.from(parsed.signatureText, 'base64url');
      if (hasHighS(key.algorithm, signature)) {
        return this.afterPayload(
          parsed,
          refused('JWT_SIGNATURE_NOT_CANONICAL', 'ECDSA S above n/2'),
        );
      }
      if (key.algorithm === 'EdDSA') {
        // jsonwebtoken has no EdDSA, so node:crypto checks it and the payload is decoded here.
        if (!verifySignature('EdDSA', key.verifyKey, parsed.signingInput, signature)) {
          return this.afterPayload(parsed, refused('JWT_SIGNATURE_INVALID'));
        }
        const payload = parseJwt(token);
        if ('reason' in payload) return refused(payload.reason, payload.detail);
        return this.accept(token, payload.payload, expected, key.kid);
      }
    }
    // passport-jwt with a fixed key ends before `authenticate` returns (jsonwebtoken calls back
    // at once, and the verify callback is ours), so one reused copy of the strategy serves every
    // run: no copy, closures or promise per token. A run that did not end is refused, as one
    // that threw.
    const outcome = this.adapters.get(key.kid)!.runAtOnce({ token } satisfies Carrier);
    return this.afterSignature(outcome, token, parsed, expected, key.kid);
  }

  /**
   * {@link headerRefusal}, remembered for the last header it accepted: one issuer's tokens share
   * a few headers, decoded once into shared frozen objects (see `parseJwtHeader`), and the
   * verdict on one stands as long as the settings, which never change.
   */
  private keyOf(
    header: Readonly<Record<string, unknown>>,
    expected: TokenType,
  ): JwtKey | TokenRefused {
    if (header === this.lastHeader && expected === this.lastExpected) return this.lastKey!;
    const key = this.headerRefusal(header, expected);
    if (!('ok' in key) && Object.isFrozen(header)) {
      this.lastHeader = header;
      this.lastExpected = expected;
      this.lastKey = key;
    }
    return key;
  }

  /** The key the header selects for `expected`, or why the header is refused. */
  private headerRefusal(
    header: Readonly<Record<string, unknown>>,
    expected: TokenType,
  ): JwtKey | TokenRefused {
    const alg = header.alg;
    if (typeof alg !== 'string' || !this.settings.algorithms.has(alg as JwtKey['algorithm'])) {
      return refused('JWT_ALG_NOT_ALLOWED', mismatch(oneOf(this.settings.algorithms), alg));
    }
    if ('crit' in header) return refused('JWT_CRIT_UNSUPPORTED');
    if (!this.typeAccepted(header.typ, expected)) return typeRefused(expected, header.typ);
    const key = this.keyFor(header.kid, alg);
    if ('ok' in key) return key;
    if (key.algorithm !== alg) {
      return refused(
        'JWT_ALG_NOT_ALLOWED',
        mismatch(`${oneOf([key.algorithm])} (the algorithm of key ${oneOf([key.kid])})`, alg),
      );
    }
    return key;
  }

  /**
   * `refusal`, unless the payload is malformed: a full parse finds that before any header or
   * signature check, so it is the reason reported, whichever way the token is parsed. Only a
   * refused token pays for decoding the payload here.
   */
  private afterPayload(parsed: JwtWithHeader, refusal: TokenRefused): TokenRefused {
    const malformed = payloadRejection(parsed.payloadText);
    return malformed === undefined ? refusal : refused(malformed.reason, malformed.detail);
  }

  /** What passport-jwt's verdict on the signature means for `token`. */
  private afterSignature(
    outcome: StrategyOutcome,
    token: string,
    parsed: JwtWithHeader,
    expected: TokenType,
    kid: string,
  ): TokenVerification {
    switch (outcome.kind) {
      case 'success': {
        // The payload jsonwebtoken decoded and the verify callback handed over, held to the
        // strict parse's rules: a JSON object from valid UTF-8.
        const payload = outcome.user;
        if (!isStrictPayload(parsed.payloadText, payload)) {
          return this.afterPayload(parsed, refused('JWT_MALFORMED', 'payload not a JSON object'));
        }
        return this.accept(token, payload as Record<string, unknown>, expected, kid);
      }
      case 'fail':
        // The structure and algorithm were checked above, so what jsonwebtoken refuses here is
        // the signature; its message is not kept.
        return this.afterPayload(parsed, refused('JWT_SIGNATURE_INVALID'));
      case 'error':
        return this.afterPayload(
          parsed,
          refused('JWT_SIGNATURE_INVALID', 'the signature check threw'),
        );
    }
  }

  /** The claims and times of a token whose signature holds; kept in the cache when accepted. */
  private accept(
    token: string,
    payload: Readonly<Record<string, unknown>>,
    expected: TokenType,
    kid: string,
  ): TokenVerification {
    const verified = this.checkClaims(payload as TokenClaims, expected, kid);
    if (!verified.ok) return verified;
    const problem = this.timeProblem(verified.token);
    if (problem !== undefined) return problem;
    if (this.settings.cacheSize === 0) return verified;
    // While the cache is thrashing it admits few misses; the others must not leave per-token
    // memos behind (a WeakMap entry on a short-lived key is dear for the collector).
    const kept: TokenAccepted = Object.freeze({ ok: true, token: verified.token, cached: true });
    return this.cache.set(token, kept) ? kept : verified;
  }

  /** The type policy: the expected `typ`, or for access tokens with the opt-in, `JWT` or none. */
  private typeAccepted(typ: unknown, expected: TokenType): boolean {
    if (typeMatches(typ, expected)) return true;
    return (
      expected === 'access' &&
      this.settings.acceptTypJwt &&
      (typ === undefined || normalizedTyp(typ) === 'jwt')
    );
  }

  private keyFor(kid: unknown, alg: string): JwtKey | TokenRefused {
    if (kid !== undefined) {
      // `kid` only ever selects among configured keys; `jku`, `x5u` and `jwk` are never read.
      if (typeof kid !== 'string') return refused('JWT_MALFORMED', `kid is ${received(kid)}`);
      return (
        this.settings.keys.get(kid) ??
        refused('JWT_KID_UNKNOWN', mismatch(oneOf(this.settings.keys.keys()), kid))
      );
    }
    const candidates = this.settings.keysByAlgorithm.get(alg as JwtKey['algorithm']) ?? [];
    return candidates.length === 1
      ? candidates[0]!
      : refused('JWT_KID_UNKNOWN', `no kid, and ${candidates.length} keys use ${received(alg)}`);
  }

  private checkClaims(claims: TokenClaims, type: TokenType, kid: string): TokenVerification {
    const { exp, iat, nbf, jti } = claims;
    if (!isTime(exp)) return claimRefused('exp', exp);
    if (!isTime(iat)) return claimRefused('iat', iat);
    if (nbf !== undefined && !isTime(nbf)) return claimRefused('nbf', nbf);
    const jtiOptional = type === 'access' && this.settings.acceptTokensWithoutJti;
    if (
      jti === undefined ? !jtiOptional : typeof jti !== 'string' || jti === '' || jti.length > 256
    ) {
      return claimRefused('jti', jti);
    }
    const { issuer, audience, identityClaim } = this.settings;
    if (issuer !== undefined && claims.iss !== issuer) {
      return refused('JWT_ISS_MISMATCH', mismatch(oneOf([issuer]), claims.iss));
    }
    if (audience !== undefined && !audienceMatches(claims.aud, audience)) {
      return refused('JWT_AUD_MISMATCH', mismatch(oneOf(audience), claims.aud));
    }
    const subject = claims[identityClaim];
    if (typeof subject !== 'string' || subject === '' || subject.length > 1024) {
      return claimRefused(identityClaim, subject);
    }
    const family = claims.fam;
    if (family !== undefined && (typeof family !== 'string' || family === ''))
      return claimRefused('fam', family);
    if (type === 'refresh' && family === undefined) return claimRefused('fam', family);
    if (type === 'refresh' && !isTime(claims.fam_exp))
      return claimRefused('fam_exp', claims.fam_exp);
    if (type === 'refresh' && !isGeneration(claims.fam_gen)) {
      return claimRefused('fam_gen', claims.fam_gen);
    }
    // Each type lives at most its own lifetime (and so never past the cut-off of "log out
    // everywhere"): an access token claiming a refresh family's life, or a long-lived token of
    // another issuer's choosing, is refused rather than trusted for longer than we issue.
    const { toleranceMs } = this.settings;
    const bound = this.settings.lifetimeMs[type] + toleranceMs;
    if ((exp - iat) * 1000 > bound) {
      return refused(
        'JWT_LIFETIME_TOO_LONG',
        `lives ${Math.round(exp - iat)} s, at most ${bound / 1000} s as ${AS_TYPE[type]}`,
      );
    }
    if (type === 'refresh') {
      const familyBound = this.settings.familyLifetimeMs + toleranceMs;
      if ((claims.fam_exp! - iat) * 1000 > familyBound) {
        return refused(
          'JWT_LIFETIME_TOO_LONG',
          `family ends ${Math.round(claims.fam_exp! - iat)} s after iat, at most ${familyBound / 1000} s`,
        );
      }
    }
    let scopes: readonly string[] | undefined;
    if (claims.scope !== undefined) {
      if (typeof claims.scope !== 'string') return claimRefused('scope', claims.scope);
      scopes = splitScope(claims.scope);
    }
    const token: VerifiedToken = Object.freeze({
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
    return Object.freeze({ ok: true, token });
  }

  /** Expiry, not-before, issued-in-the-future and maximum age, with the tolerance. */
  timeProblem(token: VerifiedToken): TokenRefused | undefined {
    const problem = timeRejection(this.clock.now(), token, this.settings.toleranceMs, this.maxAge);
    return problem === undefined ? undefined : refused(problem.reason, problem.detail);
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

function refused(reason: AuthReasonCode, detail?: string): TokenRefused {
  return { ok: false, reason, detail };
}

function typeRefused(expected: TokenType, typ: unknown): TokenRefused {
  return refused('JWT_TYP_MISMATCH', mismatch(oneOf([TOKEN_TYP[expected]]), typ));
}

function claimRefused(claim: string, value: unknown): TokenRefused {
  return refused('JWT_CLAIM_INVALID', `${claim} ${value === undefined ? 'missing' : 'malformed'}`);
}

function typeMatches(typ: unknown, expected: TokenType): boolean {
  return normalizedTyp(typ) === TOKEN_TYP[expected];
}

/** A refresh token's generation: a whole number from 0. */
function isGeneration(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

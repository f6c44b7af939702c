import { Injectable } from '@nestjs/common';
import { mismatch, oneOf, type AuthRejection } from '../core/auth-reason.js';
import type { AuthSuccess } from '../core/auth-result.js';
import { Clock } from '../core/clock.js';
import { isAsymmetricAlgorithm, verifySignature } from '../jws/jws-algorithms.js';
import { normalizedTyp, timeRejection } from '../jws/jwt-checks.js';
import { MAX_TOKEN_LENGTH, parseJwt } from '../jws/jwt-parser.js';
import { VerifiedTokenCache } from '../jws/verified-token.cache.js';
import { IssuerConnection } from './issuer-connection.js';
import { OidcSettings } from './oidc-settings.js';
import { acceptClaims, type AcceptedClaims } from './provider-claims.js';
import type { ProviderKey } from './provider-key.js';

/** The token characters of RFC 6750 §2.1 (`b64token`). */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** A verified JWT, as the cache keeps it. */
interface Verified extends AcceptedClaims {
  readonly connection: IssuerConnection;
  readonly key: ProviderKey;
}

/** What {@link OidcVerifier.verify} returns: the backend's success, or why not (401). */
export type OidcVerification = AuthSuccess | AuthRejection;

/**
 * Verifies identity providers' access tokens. A JWT is parsed strictly, refused for a `crit`
 * header or a non-asymmetric `alg`, matched to the configured issuer its `iss` names, checked
 * against that issuer's type policy, verified with the issuer's key for its `kid` and `alg`
 * (`jku`, `x5u` and `jwk` headers are never read), and its claims checked. Anything that is not
 * a JWS goes to the issuer with introspection, if one has it.
 *
 * Verified JWTs are cached by signature; a hit re-checks the times and that the key is still
 * published. Throws `AuthUnavailableError` (503) when a provider is needed and cannot answer.
 *
 * Internal; `OidcBackend` is the public entry point.
 */
@Injectable()
export class OidcVerifier {
  readonly connections: readonly IssuerConnection[];
  private readonly byIssuer: ReadonlyMap<string, IssuerConnection>;
  private readonly introspecting: IssuerConnection | undefined;
  private readonly cache: VerifiedTokenCache<Verified>;
  private readonly issuerList: string;

  constructor(
    private readonly settings: OidcSettings,
    private readonly clock: Clock,
  ) {
    this.connections = settings.issuers.map((issuer) => new IssuerConnection(issuer, clock));
    this.byIssuer = new Map(this.connections.map((c) => [c.settings.issuer, c]));
    this.introspecting = this.connections.find((c) => c.introspector !== undefined);
    this.cache = new VerifiedTokenCache(settings.cacheSize);
    this.issuerList = oneOf(settings.issuers.map((i) => i.issuer));
  }

  /** Discovery and keys of every issuer, at start (see `IssuerConnection.start`). */
  async start(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.start()));
  }

  /**
   * The result for `token`, or why it is refused: the answer itself for a token the cache holds,
   * so the request path pays no promise for it, and a promise otherwise.
   */
  verify(token: string): OidcVerification | Promise<OidcVerification> {
    const cached = this.cache.get(token);
    if (cached !== undefined) {
      if (cached.connection.keys.holds(cached.key)) return this.stillValid(cached);
      // The provider withdrew the key: verify again, which now fails (or finds its successor).
      this.cache.delete(token);
    }
    return this.verifyAfresh(token);
  }

  /** {@link verify} for a token the cache does not hold. */
  private async verifyAfresh(token: string): Promise<OidcVerification> {
    if (this.introspecting !== undefined && !isCompactJws(token)) {
      return this.introspect(this.introspecting, token);
    }
    const parsed = parseJwt(token);
    if ('reason' in parsed) return parsed;
    const { header, payload } = parsed;
    const alg = header.alg;
    if (!isAsymmetricAlgorithm(alg)) {
      return { reason: 'JWT_ALG_NOT_ALLOWED', detail: mismatch('an asymmetric algorithm', alg) };
    }
    if ('crit' in header) return { reason: 'JWT_CRIT_UNSUPPORTED' };
    const connection = typeof payload.iss === 'string' ? this.byIssuer.get(payload.iss) : undefined;
    if (connection === undefined) {
      return { reason: 'OIDC_ISS_MISMATCH', detail: mismatch(this.issuerList, payload.iss) };
    }
    const issuer = connection.settings;
    if (!issuer.algorithms.has(alg)) {
      return { reason: 'JWT_ALG_NOT_ALLOWED', detail: mismatch(oneOf(issuer.algorithms), alg) };
    }
    const typ = normalizedTyp(header.typ);
    if (typ !== 'at+jwt' && !(issuer.acceptTypJwt && (header.typ === undefined || typ === 'jwt'))) {
      return {
        reason: 'JWT_TYP_MISMATCH',
        detail: mismatch(issuer.acceptTypJwt ? '"at+jwt", "JWT" or none' : '"at+jwt"', header.typ),
      };
    }
    const key = await connection.keys.find(header.kid, alg);
    if ('reason' in key) return key;
    // A high-S ECDSA signature is accepted here, unlike on the JWT backend's own tokens:
    // providers sign with whatever S OpenSSL gives them. Its low-S twin is merely a second cache
    // entry for the same verified claims.
    if (!verifySignature(alg, key.key, parsed.signingInput, parsed.signature)) {
      return { reason: 'JWT_SIGNATURE_INVALID' };
    }
    const accepted = acceptClaims(
      this.settings.name,
      issuer,
      payload as Record<string, unknown>,
      'jwt',
      this.clock.now(),
    );
    if ('reason' in accepted) return accepted;
    this.cache.set(token, { ...accepted, connection, key });
    return accepted.success;
  }

  private async introspect(connection: IssuerConnection, token: string): Promise<OidcVerification> {
    // Only what RFC 6750 §2.1 allows in a bearer token, and not more than a JWT may be long, is
    // sent to the provider.
    if (token.length > MAX_TOKEN_LENGTH || !B64TOKEN.test(token)) {
      return { reason: 'JWT_MALFORMED', detail: 'neither a JWS nor a bearer token' };
    }
    const answer = await connection.introspector!.introspect(token);
    if (answer === null) return { reason: 'OIDC_TOKEN_INACTIVE' };
    const accepted = acceptClaims(
      this.settings.name,
      connection.settings,
      // Frozen (deeply) by the first request that uses this cached answer.
      answer as Record<string, unknown>,
      'introspection',
      this.clock.now(),
    );
    return 'reason' in accepted ? accepted : accepted.success;
  }

  private stillValid(entry: Verified): OidcVerification {
    return (
      timeRejection(this.clock.now(), entry.times, entry.toleranceMs, entry.maxAge) ?? entry.success
    );
  }
}

/** Whether `token` has the shape of a compact JWS: three parts. Anything else may be opaque. */
function isCompactJws(token: string): boolean {
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  return second !== -1 && token.indexOf('.', second + 1) === -1;
}

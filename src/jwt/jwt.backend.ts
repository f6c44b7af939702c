import { Injectable, type Provider } from '@nestjs/common';
import type { AuthRequest } from '../core/auth-request.js';
import { bearerToken, isUnsafeMethod } from '../http/headers.js';
import { InMemoryRevocationStore } from './revocation/in-memory-revocation.store.js';
import { RevocationStore } from './revocation/revocation-store.js';
import { JwtSettings, jwtSettingsProvider } from './jwt-settings.js';
import { JwtVerifier, type TokenVerification } from './jwt-verifier.js';
import { JWT_BACKEND_NAME, type VerifiedToken } from './token-claims.js';
import { TokenCookies } from './token-cookies.js';
import { TokenService } from './token.service.js';
import { AuthBackend } from '../core/auth-backend.js';
import { AuthResults, type AuthResult, type AuthSuccess } from '../core/auth-result.js';
import type { SecuritySchemeDescription, SecuritySchemes } from '../core/security-scheme.js';

/**
 * Authenticates requests by a JWT access token (name `'jwt'`, challenge `Bearer`).
 *
 * The token is read from the places in `jwt.tokenLocations`, in order: the `Authorization:
 * Bearer` header (scheme case-insensitive, exactly one token), the access cookie, and only when
 * opted in, the query string or the JSON body. It is verified strictly (see `TokenService`),
 * then checked against the `RevocationStore` on every request, cached or not. A token that came
 * in a cookie must be accompanied, on any method but the safe ones, by the CSRF header matching the
 * CSRF cookie, or the request gets 403.
 *
 * It brings `TokenService`, `TokenCookies` and a default in-memory `RevocationStore`.
 *
 * @example
 * AuthModule.forRoot({
 *   backends: [JwtBackend],
 *   userModel: Users,
 *   jwt: { algorithms: ['HS256'], secret: process.env.JWT_SECRET!, issuer: 'api', audience: 'api' },
 * })
 */
@Injectable()
export class JwtBackend extends AuthBackend {
  /** The services the backend brings; `AuthModule` registers and exports them. */
  static readonly providers: readonly Provider[] = [
    jwtSettingsProvider,
    JwtVerifier,
    TokenService,
    TokenCookies,
    { provide: RevocationStore, useClass: InMemoryRevocationStore },
  ];

  readonly name = JWT_BACKEND_NAME;
  private readonly successes = new WeakMap<VerifiedToken, AuthSuccess>();

  constructor(
    private readonly settings: JwtSettings,
    private readonly verifier: JwtVerifier,
    private readonly tokens: TokenService,
    private readonly cookies: TokenCookies,
  ) {
    super();
  }

  override get challenge(): string {
    return 'Bearer';
  }

  /**
   * A bearer scheme for the header, and a scheme per other configured token location: the
   * access cookie (with its CSRF header on unsafe methods) and the query parameter. A token in
   * the JSON body has no OpenAPI scheme, so it is left out.
   */
  override describeSecurity(): SecuritySchemes {
    const schemes: Record<string, SecuritySchemeDescription> = {};
    const { cookies, queryParameter } = this.settings;
    for (const location of this.settings.locations) {
      if (location === 'header') {
        schemes[this.name] = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
      } else if (location === 'cookie') {
        schemes[`${this.name}-cookie`] = {
          type: 'apiKey',
          in: 'cookie',
          name: cookies.accessName,
          description: `The access token in a cookie. Every method but GET, HEAD, OPTIONS and TRACE also needs the ${cookies.csrfHeader} header equal to the ${cookies.csrfName} cookie.`,
        };
      } else if (location === 'query') {
        schemes[`${this.name}-query`] = { type: 'apiKey', in: 'query', name: queryParameter };
      }
    }
    return schemes;
  }

  // Not async: with a cached token and the in-memory store every step answers synchronously, and
  // the result is returned as it is; only a step that waits makes it a promise.
  authenticate(request: AuthRequest): Promise<AuthResult> | AuthResult {
    let token: string | undefined;
    let fromCookie = false;
    for (const location of this.settings.locations) {
      const found = this.read(request, location);
      if (found === null) {
        return AuthResults.invalid(
          this.name,
          'JWT_MALFORMED',
          `empty or broken ${location} credential`,
        );
      }
      if (found !== undefined) {
        token = found;
        fromCookie = location === 'cookie';
        break;
      }
    }
    if (token === undefined) return AuthResults.missing(this.name);

    const verification = this.verifier.verify(token, 'access');
    return verification instanceof Promise
      ? verification.then((ended) => this.verified(request, ended, fromCookie))
      : this.verified(request, verification, fromCookie);
  }

  /** The result for a token whose verification ended: revocation next, on every request. */
  private verified(
    request: AuthRequest,
    verification: TokenVerification,
    fromCookie: boolean,
  ): Promise<AuthResult> | AuthResult {
    if (!verification.ok) {
      return AuthResults.invalid(this.name, verification.reason, verification.detail);
    }
    const verified = verification.token;
    const memo = verification.cached === true;
    const revoked = this.tokens.revocationOf(verified, memo);
    return typeof revoked === 'boolean'
      ? this.unrevoked(request, verified, revoked, fromCookie, memo)
      : revoked.then((answer) => this.unrevoked(request, verified, answer, fromCookie, memo));
  }

  /** The result for a verified token once the revocation store has answered. */
  private unrevoked(
    request: AuthRequest,
    verified: VerifiedToken,
    revoked: boolean,
    fromCookie: boolean,
    memo: boolean,
  ): AuthResult {
    if (revoked) return AuthResults.invalid(this.name, 'TOKEN_REVOKED');
    if (fromCookie && isUnsafeMethod(request.method)) {
      const failure = this.cookies.csrfFailure(request);
      if (failure !== null) {
        return AuthResults.forbidden(this.name, failure.reason, failure.detail, {
          identity: verified.subject,
          credentialId: verified.id,
        });
      }
    }
    // Only a token the cache holds comes back as the same object, so only its result is looked up.
    let success = memo ? this.successes.get(verified) : undefined;
    if (success === undefined) {
      success = Object.freeze(
        AuthResults.success(this.name, verified.subject, {
          claims: verified.claims,
          scopes: verified.scopes,
          fresh: verified.fresh,
          issuedAt: verified.issuedAt,
          credentialId: verified.id,
        }),
      );
      // Kept only when the verified token is in the cache: otherwise it is never seen again.
      if (memo) this.successes.set(verified, success);
    }
    return success;
  }

  /** The token at `location`; `undefined` when there is none, `null` when it is malformed. */
  private read(request: AuthRequest, location: string): string | undefined | null {
    switch (location) {
      case 'header':
        return bearerToken(request.headers.authorization);
      case 'cookie':
        return this.cookies.accessToken(request);
      case 'query':
        return field(request.query, this.settings.queryParameter);
      default:
        return field(request.body, this.settings.bodyField);
    }
  }
}

function field(source: unknown, name: string): string | undefined | null {
  if (source === null || typeof source !== 'object') return undefined;
  const value = (source as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' && value !== '' ? value : null;
}

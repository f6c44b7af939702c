import { Injectable, type OnApplicationBootstrap, type Provider } from '@nestjs/common';
import { AuthBackend } from '../core/auth-backend.js';
import type { AuthRequest } from '../core/auth-request.js';
import { AuthResults, type AuthResult } from '../core/auth-result.js';
import type { SecuritySchemes } from '../core/security-scheme.js';
import { bearerToken } from '../http/headers.js';
import { OidcSettings, oidcSettingsProvider } from './oidc-settings.js';
import { OidcVerifier, type OidcVerification } from './oidc-verifier.js';

/**
 * Accepts the access tokens of identity providers (resource-server mode): Keycloak, Auth0,
 * Entra ID, Cognito, Okta, Zitadel or any OpenID Provider. Name `oidc` (configurable),
 * challenge `Bearer`; the token comes from `Authorization: Bearer`.
 *
 * For each configured issuer it reads the discovery document (whose `issuer` must equal the
 * configured one exactly) and keeps its JWKS, each key a `KeyObject` bound to its algorithm.
 * A token is checked as strictly as the library's own (RFC 8725, RFC 9068): asymmetric `alg`
 * only, the key of its `kid`, `typ` by the issuer's policy, no `crit`, `iss`, `aud` and `exp`
 * required, `nbf`/`iat` with the tolerance. Opaque tokens go to the one issuer configured for
 * introspection (RFC 7662). Scopes (`scope`/`scp`) narrow permissions; roles come from the
 * configured claim into `AuthSuccess.roles`, and the issuer into `AuthSuccess.issuer`.
 *
 * A provider that cannot be reached at start does not stop the application: its tokens get 503
 * until it can be. One that answers with another issuer, or with a key set over plain HTTP
 * outside loopback, stops the start with a message naming the option.
 *
 * @example
 * AuthModule.forRoot({
 *   backends: [OidcBackend],
 *   userModel: ClaimsUserModel,
 *   oidc: { issuers: [{ issuer: 'https://acme.eu.auth0.com/', audience: 'https://api.acme.com', acceptTypJwt: true }] },
 * })
 */
@Injectable()
export class OidcBackend extends AuthBackend implements OnApplicationBootstrap {
  /** The services the backend brings; `AuthModule` registers them. */
  static readonly providers: readonly Provider[] = [oidcSettingsProvider, OidcVerifier];

  readonly name: string;

  constructor(
    private readonly settings: OidcSettings,
    private readonly verifier: OidcVerifier,
  ) {
    super();
    this.name = settings.name;
  }

  override get challenge(): string {
    return 'Bearer';
  }

  /** A bearer token, and which providers issue it (their discovery documents). */
  override describeSecurity(): SecuritySchemes {
    const issuers = this.settings.issuers.map((i) => `${i.issuer} (${i.discoveryUrl})`);
    return {
      [this.name]: {
        type: 'http',
        scheme: 'bearer',
        description: `An access token issued by ${issuers.join(', ')}.`,
      },
    };
  }

  /** Fetches every issuer's discovery document and keys before the first request. */
  async onApplicationBootstrap(): Promise<void> {
    await this.verifier.start();
  }

  // Not async: a token the verifier's cache holds is answered synchronously, and so is the
  // result; only a verification that waits makes it a promise.
  authenticate(request: AuthRequest): Promise<AuthResult> | AuthResult {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) return AuthResults.missing(this.name);
    if (token === null) {
      return AuthResults.invalid(this.name, 'JWT_MALFORMED', 'empty or broken header credential');
    }
    const verified = this.verifier.verify(token);
    return verified instanceof Promise
      ? verified.then((ended) => this.resultOf(ended))
      : this.resultOf(verified);
  }

  private resultOf(verified: OidcVerification): AuthResult {
    return 'reason' in verified
      ? AuthResults.invalid(this.name, verified.reason, verified.detail)
      : verified;
  }
}

import type { Provider, Type } from '@nestjs/common';
import type { AuthRequest } from './auth-request.js';
import type { AuthResult } from './auth-result.js';
import type { SecuritySchemes } from './security-scheme.js';

/**
 * One way of recognising a caller: a JWT, an API key, a session, or your own.
 *
 * Implement it as an `@Injectable()` class, so it can inject services, and list the class in
 * `AuthModule.forRoot({ backends })`. The guard tries the backends in that order and the first
 * success wins.
 *
 * `authenticate` returns a failure for missing or invalid credentials; it throws
 * `AuthUnavailableError` (or anything else) only when a dependency fails, which the guard turns
 * into 503.
 *
 * @example
 * @Injectable()
 * export class HeaderBackend extends AuthBackend {
 *   readonly name = 'header';
 *   constructor(private readonly accounts: Accounts) { super(); }
 *   async authenticate(req: AuthRequest) {
 *     const value = req.headers['x-account'];
 *     if (typeof value !== 'string') return AuthResults.missing(this.name);
 *     const account = await this.accounts.findById(value);
 *     if (!account) return AuthResults.invalid(this.name, 'CREDENTIAL_INVALID', 'no such account');
 *     return AuthResults.success(this.name, account.id);
 *   }
 * }
 */
export abstract class AuthBackend {
  /** The name `@Auth('…')` refers to and `request.auth` reports. Unique in a module. */
  abstract readonly name: string;

  /**
   * Recognises the caller of `request`, or says why not. A backend that can tell without
   * waiting (a cached token, a store in memory) may return the result itself: the guard then
   * spends no promise on it.
   */
  abstract authenticate(request: AuthRequest): Promise<AuthResult> | AuthResult;

  /**
   * The challenge for the `WWW-Authenticate` header of a 401 (for example `Bearer`).
   * Default: none.
   */
  get challenge(): string | undefined {
    return undefined;
  }

  /**
   * An explicit backend is tried only on routes whose `@Auth` names it, never by default. Mark a
   * password or Basic backend so, or adding it would open every protected route to passwords.
   * Default: `false`.
   *
   * @example
   * @Injectable()
   * export class PasswordBackend extends AuthBackend {
   *   readonly name = 'password';
   *   override readonly explicit = true;
   *   async authenticate(req: AuthRequest) {
   *     return req.headers['x-password'] === undefined
   *       ? AuthResults.missing(this.name)
   *       : AuthResults.invalid(this.name, 'CREDENTIAL_INVALID');
   *   }
   * }
   */
  readonly explicit: boolean = false;

  /**
   * How an OpenAPI document describes the credentials this backend accepts: one security scheme
   * per way of sending one, keyed by the scheme's name in the document (`nestjs-gatehouse/swagger`
   * reads it; nothing on the request path does). Override it when a backend reads its credential
   * from a header, a cookie or a provider. Default: an `http` scheme of the `challenge`, named
   * after the backend, or nothing when there is no challenge.
   *
   * @example
   * declare function ownerOfToken(token: string): Promise<string | undefined>;
   *
   * @Injectable()
   * export class TokenHeaderBackend extends AuthBackend {
   *   readonly name = 'token';
   *   async authenticate(request: AuthRequest): Promise<AuthResult> {
   *     const token = request.headers['x-token'];
   *     if (typeof token !== 'string') return AuthResults.missing(this.name);
   *     const owner = await ownerOfToken(token);
   *     return owner ? AuthResults.success(this.name, owner) : AuthResults.invalid(this.name, 'CREDENTIAL_INVALID');
   *   }
   *   override describeSecurity(): SecuritySchemes {
   *     return { token: { type: 'apiKey', in: 'header', name: 'X-Token' } };
   *   }
   * }
   */
  describeSecurity(): SecuritySchemes {
    const scheme = this.challenge;
    return scheme ? { [this.name]: { type: 'http', scheme } } : {};
  }
}

/**
 * A backend class. It may list, in a static `providers` field, the services it needs
 * (for example `JwtBackend` brings `TokenService`); `AuthModule` registers them with it.
 */
export type AuthBackendType = Type<AuthBackend> & { readonly providers?: readonly Provider[] };

import type { Strategy } from 'passport';
import type { AuthRequest } from '../core/auth-request.js';
import { unavailable } from '../core/dependency-call.js';
import { identityOf } from './identity-of.js';
import { PassportAdapter } from './passport-adapter.js';
import { AuthBackend } from '../core/auth-backend.js';
import { AuthResults, type AuthResult } from '../core/auth-result.js';

/**
 * Turns any passport `Strategy` into an {@link AuthBackend}.
 *
 * Extend it as an `@Injectable()` class, so the strategy's verify callback can use injected
 * services. The strategy runs on a private passport instance, never the global singleton.
 * What the verify callback hands to `done(null, user)` becomes the identity: a string as it is,
 * or an object's `identity`, `id`, `sub` or `userId`. Override {@link PassportBackend.toResult} to change that.
 *
 * A failed strategy gives `CREDENTIAL_INVALID`; its challenge text is dropped, since it may echo
 * what the client sent. To pick the code and keep a detail, refuse with an `AuthReasonCode`:
 * `done(null, false, { reason: 'USER_NOT_FOUND', detail: 'no such account' })` (for strategies
 * that hand the verify callback's info to `fail`, as most do).
 *
 * @example
 * import { BasicStrategy } from 'passport-http';
 *
 * @Injectable()
 * export class BasicBackend extends PassportBackend {
 *   readonly name = 'basic';
 *   constructor(private readonly accounts: Accounts) { super(); }
 *   protected createStrategy() {
 *     return new BasicStrategy((username, password, done) => {
 *       this.accounts
 *         .check(username, password)
 *         .then((account) => done(null, account?.id ?? false), done);
 *     });
 *   }
 * }
 */
export abstract class PassportBackend extends AuthBackend {
  private adapter?: PassportAdapter;

  /** Builds the strategy. Called once, on first use. */
  protected abstract createStrategy(): Strategy;

  /**
   * The scheme of the strategy's own challenge (`Basic` for passport-http), so the route's
   * `WWW-Authenticate` names it. Override it for a strategy that has no `_challenge()`.
   */
  override get challenge(): string | undefined {
    return this.strategyAdapter().challengeScheme;
  }

  async authenticate(request: AuthRequest): Promise<AuthResult> {
    const outcome = await this.strategyAdapter().run(request);
    switch (outcome.kind) {
      case 'success':
        return this.toResult(outcome.user, outcome.info);
      case 'fail':
        // A refusal of a request that carries no credential for this strategy is "missing", so a
        // later backend's failure (or the anonymous path of a public route) is reported instead.
        return outcome.incomplete || !this.hasCredential(request)
          ? AuthResults.missing(this.name)
          : AuthResults.invalid(this.name, outcome.reason, outcome.detail);
      case 'error':
        throw unavailable(
          outcome.error,
          'DEPENDENCY_UNAVAILABLE',
          'the strategy reported an error',
        );
    }
  }

  /**
   * Whether `request` carries a credential for this strategy at all. The default looks for an
   * `Authorization` header with the strategy's challenge scheme, when it has one, and otherwise
   * assumes so. Override it for a strategy that reads another place (a body, a cookie).
   */
  protected hasCredential(request: AuthRequest): boolean {
    const scheme = this.challenge;
    if (scheme === undefined) return true;
    const header = request.headers.authorization;
    return (
      typeof header === 'string' &&
      header.length > scheme.length &&
      header.slice(0, scheme.length + 1).toLowerCase() === `${scheme.toLowerCase()} `
    );
  }

  private strategyAdapter(): PassportAdapter {
    return (this.adapter ??= new PassportAdapter(this.name, this.createStrategy()));
  }

  /** Maps what the strategy's verify callback produced to an {@link AuthResult}. */
  protected toResult(user: unknown, _info: unknown): AuthResult {
    const identity = identityOf(user);
    return identity === undefined
      ? AuthResults.invalid(this.name, 'CREDENTIAL_INVALID', 'the strategy gave no identity')
      : AuthResults.success(this.name, identity);
  }
}

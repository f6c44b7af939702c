import type { Strategy } from 'passport';
import type { AuthRequest } from '../core/auth-request.js';
import { unavailable } from '../core/dependency-call.js';
import { PassportAdapter } from './passport-adapter.js';
import { AuthBackend } from '../core/auth-backend.js';
import { AuthResults, type AuthResult } from '../core/auth-result.js';

/**
 * Turns any passport `Strategy` into an {@link AuthBackend}.
 *
 * Extend it as an `@Injectable()` class, so the strategy's verify callback can use injected
 * services. The strategy runs on a private passport instance, never the global singleton.
 * What the verify callback hands to `done(null, user)` becomes the identity: a string as it is,
 * or an object's `identity`, `id` or `sub`. Override {@link PassportBackend.toResult} to change that.
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

  async authenticate(request: AuthRequest): Promise<AuthResult> {
    this.adapter ??= new PassportAdapter(this.name, this.createStrategy());
    const outcome = await this.adapter.run(request);
    switch (outcome.kind) {
      case 'success':
        return this.toResult(outcome.user, outcome.info);
      case 'fail':
        return AuthResults.invalid(this.name, outcome.reason, outcome.detail);
      case 'error':
        throw unavailable(
          outcome.error,
          'DEPENDENCY_UNAVAILABLE',
          'the strategy reported an error',
        );
    }
  }

  /** Maps what the strategy's verify callback produced to an {@link AuthResult}. */
  protected toResult(user: unknown, _info: unknown): AuthResult {
    const identity = identityOf(user);
    return identity === undefined
      ? AuthResults.invalid(this.name, 'CREDENTIAL_INVALID', 'the strategy gave no identity')
      : AuthResults.success(this.name, identity);
  }
}

function identityOf(user: unknown): string | undefined {
  if (typeof user === 'string' && user !== '') return user;
  if (typeof user === 'number') return String(user);
  if (typeof user === 'object' && user !== null) {
    for (const key of ['identity', 'id', 'sub'] as const) {
      const value = (user as Record<string, unknown>)[key];
      if (typeof value === 'string' && value !== '') return value;
      if (typeof value === 'number') return String(value);
    }
  }
  return undefined;
}

import type { AuthSuccess } from '../core/auth-result.js';
import type { AuthRequest } from '../core/auth-request.js';
import type { BaseUser } from '../core/base-user.js';

/** What {@link UserModel.loadUser} knows about the request besides the identity. */
export interface UserLoadContext {
  /** The request being authenticated. */
  readonly request: AuthRequest;
  /**
   * The backend result that named the identity (backend name, claims, scopes). For a token of
   * an identity provider (`OidcBackend`), `result.issuer` is its verified issuer and
   * `result.claims` its verified claims: look accounts up by issuer and identity together (an
   * outside `sub` may equal one of your own user ids), and create linked accounts just in time.
   */
  readonly result: AuthSuccess;
}

/**
 * Loads users by identity. It is the DI token and the type in one: implement it and pass the
 * class as `userModel` to `AuthModule.forRoot`.
 *
 * Return `null` for an unknown or disabled user (the request gets 401). Throw (or reject) when
 * the store fails: the guard answers 503 and logs it; it never lets the request through.
 *
 * It is asked on every request and every WebSocket message, so a disabled user is refused at
 * once. A model that answers from memory may return the user itself rather than a promise: the
 * guard then decides without a promise or a microtask of its own.
 *
 * @example
 * @Injectable()
 * export class Users extends UserModel {
 *   constructor(private readonly accounts: Accounts) { super(); }
 *   async loadUser(identity: string) {
 *     const account = await this.accounts.findById(identity);
 *     if (!account || account.disabled) return null;
 *     return new SimpleUser({ identity: account.id, roles: account.roles });
 *   }
 * }
 */
export abstract class UserModel<TUser extends BaseUser = BaseUser> {
  abstract loadUser(
    identity: string,
    context: UserLoadContext,
  ): Promise<TUser | null> | TUser | null;
}

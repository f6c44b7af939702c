import { Injectable } from '@nestjs/common';
import type { AuthSuccess } from '../core/auth-result.js';
import { SimpleUser } from '../users/simple-user.js';
import { UserModel, type UserLoadContext } from '../users/user-model.js';

/**
 * A ready `UserModel` for APIs without a user database of their own: the user is built from the
 * identity provider's verified token alone. Identity from the token's identity claim, roles from
 * the issuer's `rolesClaim` (`AuthSuccess.roles`), display name from `name`, else
 * `preferred_username`. Permissions then come from your `roles` definitions, narrowed by the
 * token's scopes.
 *
 * It accepts only results an outside issuer vouched for (`OidcBackend`); any other backend's
 * identity gets 401, since there is no account to look it up in.
 *
 * @example
 * AuthModule.forRoot({
 *   backends: [OidcBackend],
 *   userModel: ClaimsUserModel,
 *   roles: { 'orders-reader': { permissions: ['orders:read'] } },
 *   oidc: { issuers: [{ issuer: 'https://sso.example.com/realms/acme', audience: 'orders-api', rolesClaim: 'realm_access.roles', acceptTypJwt: true }] },
 * })
 */
@Injectable()
export class ClaimsUserModel extends UserModel<SimpleUser> {
  // One user per verified token: the backend hands the same result for a cached token.
  private readonly users = new WeakMap<AuthSuccess, SimpleUser>();

  async loadUser(identity: string, context: UserLoadContext): Promise<SimpleUser | null> {
    const result = context.result;
    if (result.issuer === undefined) return null;
    let user = this.users.get(result);
    if (user === undefined) {
      const claims = result.claims ?? {};
      const name = [claims.name, claims.preferred_username].find(
        (value): value is string => typeof value === 'string' && value !== '',
      );
      user = new SimpleUser({ identity, displayName: name, roles: result.roles ?? [] });
      this.users.set(result, user);
    }
    return user;
  }
}

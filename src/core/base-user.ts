/**
 * The user the guard attaches to `request.user`.
 *
 * Extend it with your own fields, or use {@link SimpleUser}. Roles and permissions come from your
 * {@link UserModel}, which loads them from your own store: never from claims a client could forge.
 */
export abstract class BaseUser {
  /** The stable identity the credentials name (a user id). */
  abstract readonly identity: string;

  /** `true` for every real user; `false` only for {@link UnauthenticatedUser}. */
  get isAuthenticated(): boolean {
    return true;
  }

  /** A name for display. Default: the identity. */
  get displayName(): string {
    return this.identity;
  }

  /** The user's roles. The guard expands them through the configured role hierarchy. Default: none. */
  get roles(): readonly string[] {
    return [];
  }

  /** Permissions granted to the user directly, besides those of the roles. Default: none. */
  get permissions(): readonly string[] {
    return [];
  }

  /**
   * Whether the user holds `permission` directly. Exact, case-sensitive match.
   *
   * This knows nothing of the role hierarchy or of the credential's scopes: for the request's
   * effective permissions use `request.authInfo.permissions` or `PermissionChecker`.
   */
  hasPermission(permission: string): boolean {
    return this.permissions.includes(permission);
  }
}

import { BaseUser } from './base-user.js';

/**
 * The user of an anonymous request. Nothing on it throws: its identity is the empty string,
 * it has no roles or permissions, and `hasPermission` is always `false`.
 */
export class UnauthenticatedUser extends BaseUser {
  /** The shared, frozen instance the guard attaches. */
  static readonly instance: UnauthenticatedUser = Object.freeze(
    new UnauthenticatedUser(),
  ) as UnauthenticatedUser;

  readonly identity = '';

  override get isAuthenticated(): boolean {
    return false;
  }

  override get displayName(): string {
    return 'anonymous';
  }

  override hasPermission(_permission: string): boolean {
    return false;
  }
}

import { BaseUser } from '../core/base-user.js';

/** The fields of a {@link SimpleUser}. */
export interface SimpleUserData {
  identity: string;
  displayName?: string;
  roles?: readonly string[];
  permissions?: readonly string[];
}

/**
 * A ready-made {@link BaseUser} built from plain data.
 *
 * @example
 * const user = new SimpleUser({ identity: 'u1', displayName: 'Ada', roles: ['admin'] });
 */
export class SimpleUser extends BaseUser {
  readonly identity: string;
  private readonly data: SimpleUserData;

  constructor(data: SimpleUserData) {
    super();
    this.identity = data.identity;
    this.data = {
      ...data,
      roles: Object.freeze([...(data.roles ?? [])]),
      permissions: Object.freeze([...(data.permissions ?? [])]),
    };
  }

  override get displayName(): string {
    return this.data.displayName ?? this.identity;
  }

  override get roles(): readonly string[] {
    return this.data.roles ?? [];
  }

  override get permissions(): readonly string[] {
    return this.data.permissions ?? [];
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { BaseUser } from '../core/base-user.js';
import { AUTH_MODULE_OPTIONS } from '../core/options-reader.js';
import type { PermissionRequirement } from './permission-requirement.js';
import { expandRoles, type RoleDefinition } from './role-hierarchy.js';

const NONE: ReadonlySet<string> = Object.freeze(new Set<string>());

/**
 * Computes effective permissions and checks requirements.
 *
 * A user's effective permissions are their own plus those of each of their roles, where a role
 * also has every permission of the roles it inherits (the hierarchy is expanded once, at
 * bootstrap). When the credential carries scopes, only permissions that are also scopes remain.
 * Matching is exact and case-sensitive; there are no wildcards.
 */
@Injectable()
export class PermissionChecker {
  private readonly rolePermissions: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(
    @Inject(AUTH_MODULE_OPTIONS) options: { roles?: Readonly<Record<string, RoleDefinition>> },
  ) {
    this.rolePermissions = expandRoles(options.roles);
  }

  /** The permissions `user` holds, narrowed to `scopes` when given. */
  effectivePermissions(user: BaseUser, scopes?: readonly string[]): ReadonlySet<string> {
    if (!user.isAuthenticated) return NONE;
    const own = user.permissions;
    const roles = user.roles;
    let all: ReadonlySet<string>;
    if (own.length === 0 && roles.length === 1) {
      // The common case, one role and no direct grants, shares the precomputed set.
      all = this.rolePermissions.get(roles[0]!) ?? NONE;
    } else {
      const set = new Set<string>(own);
      for (const role of roles) {
        const granted = this.rolePermissions.get(role);
        if (granted) for (const permission of granted) set.add(permission);
      }
      all = set;
    }
    if (scopes === undefined) return all;
    const narrowed = new Set<string>();
    for (const scope of scopes) if (all.has(scope)) narrowed.add(scope);
    return narrowed;
  }

  /** Whether `permissions` meets every requirement. */
  satisfies(
    permissions: ReadonlySet<string>,
    requirements: readonly PermissionRequirement[],
  ): boolean {
    for (const requirement of requirements) {
      if (requirement.mode === 'all') {
        for (const p of requirement.permissions) if (!permissions.has(p)) return false;
      } else if (!requirement.permissions.some((p) => permissions.has(p))) {
        return false;
      }
    }
    return true;
  }

  /** Whether `user`, with a credential carrying `scopes`, holds `permission`. */
  can(user: BaseUser, permission: string, scopes?: readonly string[]): boolean {
    return this.effectivePermissions(user, scopes).has(permission);
  }
}

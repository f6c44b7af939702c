import type { RoleDefinition } from 'nestjs-gatehouse';

/** The role hierarchy of sample-app-http.md: admin ⊃ moderator ⊃ user. */
export const ROLES = {
  user: { permissions: ['reports:read'] },
  moderator: { inherits: ['user'], permissions: ['reports:write'] },
  admin: { inherits: ['moderator'], permissions: ['reports:delete', 'users:manage'] },
} as const satisfies Record<string, RoleDefinition>;

/** The role names, for validation. */
export const ROLE_NAMES = Object.keys(ROLES) as (keyof typeof ROLES)[];

/** Every permission some role grants, for validating API-key scopes. */
export const ALL_PERMISSIONS = [
  ...new Set(Object.values(ROLES).flatMap((role) => role.permissions)),
].sort();

import { describe, expect, it } from 'vitest';
import { AuthConfigurationError } from '../core/auth-error.js';
import { SimpleUser } from '../users/simple-user.js';
import { UnauthenticatedUser } from '../core/unauthenticated-user.js';
import { PermissionChecker } from './permission-checker.js';

const roles = {
  user: { permissions: ['reports:read'] },
  moderator: { inherits: ['user'], permissions: ['reports:write'] },
  admin: { inherits: ['moderator'], permissions: ['reports:delete', 'users:manage'] },
  auditor: { permissions: ['audit:read'] },
};
const checker = new PermissionChecker({ roles });
const sorted = (set: ReadonlySet<string>) => [...set].sort();

describe('PermissionChecker', () => {
  it('expands the role hierarchy transitively', () => {
    const admin = new SimpleUser({ identity: 'a', roles: ['admin'] });
    expect(sorted(checker.effectivePermissions(admin))).toEqual([
      'reports:delete',
      'reports:read',
      'reports:write',
      'users:manage',
    ]);
  });

  it('unions several roles and direct permissions', () => {
    const user = new SimpleUser({ identity: 'u', roles: ['user', 'auditor'], permissions: ['x'] });
    expect(sorted(checker.effectivePermissions(user))).toEqual(['audit:read', 'reports:read', 'x']);
  });

  it('ignores unknown roles rather than failing', () => {
    const user = new SimpleUser({ identity: 'u', roles: ['nonexistent'] });
    expect(checker.effectivePermissions(user).size).toBe(0);
  });

  it('narrows to the credential scopes, never widens', () => {
    const admin = new SimpleUser({ identity: 'a', roles: ['admin'] });
    expect(sorted(checker.effectivePermissions(admin, ['reports:read', 'not-granted']))).toEqual([
      'reports:read',
    ]);
    expect(checker.effectivePermissions(admin, []).size).toBe(0);
  });

  it('gives the anonymous user nothing', () => {
    expect(checker.effectivePermissions(UnauthenticatedUser.instance).size).toBe(0);
    expect(checker.can(UnauthenticatedUser.instance, 'reports:read')).toBe(false);
  });

  it('matches exactly and case-sensitively, with no wildcards', () => {
    const user = new SimpleUser({ identity: 'u', permissions: ['reports:*', 'Reports:Read'] });
    const perms = checker.effectivePermissions(user);
    expect(checker.satisfies(perms, [{ mode: 'all', permissions: ['reports:read'] }])).toBe(false);
    expect(checker.satisfies(perms, [{ mode: 'all', permissions: ['Reports:Read'] }])).toBe(true);
  });

  it('all-of needs every permission, any-of one of them, and requirements combine', () => {
    const perms = new Set(['a', 'b']);
    expect(checker.satisfies(perms, [{ mode: 'all', permissions: ['a', 'b'] }])).toBe(true);
    expect(checker.satisfies(perms, [{ mode: 'all', permissions: ['a', 'c'] }])).toBe(false);
    expect(checker.satisfies(perms, [{ mode: 'any', permissions: ['c', 'b'] }])).toBe(true);
    expect(checker.satisfies(perms, [{ mode: 'any', permissions: ['c', 'd'] }])).toBe(false);
    expect(
      checker.satisfies(perms, [
        { mode: 'all', permissions: ['a'] },
        { mode: 'any', permissions: ['c'] },
      ]),
    ).toBe(false);
    expect(checker.satisfies(perms, [])).toBe(true);
  });
});

describe('role hierarchy validation', () => {
  it('refuses a cycle, naming the roles', () => {
    expect(
      () => new PermissionChecker({ roles: { a: { inherits: ['b'] }, b: { inherits: ['a'] } } }),
    ).toThrowError(/roles\.a\.inherits.*cycle \(a -> b -> a\)/);
  });

  it('refuses an unknown parent role', () => {
    const attempt = () => new PermissionChecker({ roles: { a: { inherits: ['ghost'] } } });
    expect(attempt).toThrowError(AuthConfigurationError);
    expect(attempt).toThrowError(/roles\.a\.inherits.*unknown role "ghost".*Fix:/);
  });

  it('refuses non-string permissions', () => {
    expect(
      () => new PermissionChecker({ roles: { a: { permissions: [42 as unknown as string] } } }),
    ).toThrowError(/roles\.a\.permissions/);
  });
});

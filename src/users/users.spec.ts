import { describe, expect, it } from 'vitest';
import { BaseUser } from '../core/base-user.js';
import { SimpleUser } from './simple-user.js';
import { UnauthenticatedUser } from '../core/unauthenticated-user.js';

describe('users', () => {
  it('SimpleUser exposes its data and checks direct permissions exactly', () => {
    const user = new SimpleUser({
      identity: '42',
      displayName: 'Ada',
      roles: ['admin'],
      permissions: ['reports:read'],
    });
    expect(user.isAuthenticated).toBe(true);
    expect(user.identity).toBe('42');
    expect(user.displayName).toBe('Ada');
    expect(user.roles).toEqual(['admin']);
    expect(user.hasPermission('reports:read')).toBe(true);
    expect(user.hasPermission('REPORTS:READ')).toBe(false);
    expect(user.hasPermission('reports')).toBe(false);
  });

  it('SimpleUser copies its input, so later mutation cannot grant permissions', () => {
    const permissions = ['a'];
    const user = new SimpleUser({ identity: '1', permissions });
    permissions.push('b');
    expect(user.permissions).toEqual(['a']);
    expect(Object.isFrozen(user.permissions)).toBe(true);
  });

  it('defaults the display name to the identity', () => {
    expect(new SimpleUser({ identity: 'x' }).displayName).toBe('x');
  });

  it('UnauthenticatedUser is safe to use anywhere', () => {
    const anon = UnauthenticatedUser.instance;
    expect(anon).toBeInstanceOf(BaseUser);
    expect(anon.isAuthenticated).toBe(false);
    expect(anon.identity).toBe('');
    expect(anon.displayName).toBe('anonymous');
    expect(anon.roles).toEqual([]);
    expect(anon.permissions).toEqual([]);
    expect(anon.hasPermission('anything')).toBe(false);
    expect(Object.isFrozen(anon)).toBe(true);
  });

  it('a custom BaseUser subclass gets safe defaults', () => {
    class Minimal extends BaseUser {
      readonly identity = 'm';
    }
    const user = new Minimal();
    expect(user.roles).toEqual([]);
    expect(user.hasPermission('a')).toBe(false);
    expect(user.displayName).toBe('m');
  });
});

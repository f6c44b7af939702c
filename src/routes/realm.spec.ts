import { describe, expect, it } from 'vitest';
import { AuthConfigurationError } from '../core/auth-error.js';
import { readRealm } from './route-policy.js';

describe('the realm option', () => {
  it('defaults to "api"', () => {
    expect(readRealm({})).toBe('api');
  });

  it('refuses a realm that would break the challenge header', () => {
    expect(() => readRealm({ realm: 'a"b' })).toThrowError(/"realm"/);
    expect(() => readRealm({ realm: 'a\r\nSet-Cookie: x=1' })).toThrowError(AuthConfigurationError);
  });
});

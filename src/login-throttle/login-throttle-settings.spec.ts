import { describe, expect, it } from 'vitest';
import { AuthConfigurationError } from '../core/auth-error.js';
import { LoginThrottleSettings } from './login-throttle-settings.js';
import type { LoginThrottleOptions } from './login-throttle-options.js';

const deviceTokenSecret = 'device-token-secret-0123456789-abcdefghijklmnop';

describe('LoginThrottleSettings', () => {
  it('has defaults: 5 attempts per 15 minutes, __Host-device, 180 days', () => {
    const s = new LoginThrottleSettings({ deviceTokenSecret });
    expect(s).toMatchObject({
      maxAttempts: 5,
      lockoutMs: 900_000,
      deviceTokenTtlMs: 180 * 86_400_000,
      cookieName: '__Host-device',
      secure: true,
      secrets: [deviceTokenSecret],
      secretGenerated: false,
    });
  });

  it('works without options, on a random secret of this process', () => {
    const a = new LoginThrottleSettings(undefined);
    const b = new LoginThrottleSettings(undefined);
    expect(a.secretGenerated).toBe(true);
    expect(a.secrets[0]!.length).toBeGreaterThanOrEqual(32);
    expect(a.secrets[0]).not.toBe(b.secrets[0]);
    expect(a.maxAttempts).toBe(5);
  });

  it('reads every option', () => {
    const s = new LoginThrottleSettings({
      deviceTokenSecret: [deviceTokenSecret, `${deviceTokenSecret}-old`],
      maxAttempts: 3,
      lockoutSeconds: 60,
      deviceTokenTtlSeconds: 3600,
      deviceCookieName: 'trusted',
      secure: false,
      hostPrefix: false,
    });
    expect(s).toMatchObject({
      maxAttempts: 3,
      lockoutMs: 60_000,
      deviceTokenTtlMs: 3_600_000,
      cookieName: 'trusted',
      secure: false,
    });
    expect(s.secrets).toHaveLength(2);
  });

  it.each<[string, Partial<LoginThrottleOptions>, RegExp]>([
    ['no secret', {}, /"loginThrottle.deviceTokenSecret": is missing/],
    [
      'a short secret',
      { deviceTokenSecret: 'short' },
      /"loginThrottle.deviceTokenSecret": is shorter than 32/,
    ],
    [
      'a short rotated secret',
      { deviceTokenSecret: [deviceTokenSecret, 'x'] },
      /deviceTokenSecret\[1\]/,
    ],
    ['no attempts', { deviceTokenSecret, maxAttempts: 0 }, /maxAttempts/],
    ['fractional attempts', { deviceTokenSecret, maxAttempts: 2.5 }, /maxAttempts/],
    ['a zero lockout', { deviceTokenSecret, lockoutSeconds: 0 }, /lockoutSeconds/],
    ['a lockout of months', { deviceTokenSecret, lockoutSeconds: 90 * 86_400 }, /lockoutSeconds/],
    [
      'a token of seconds',
      { deviceTokenSecret, deviceTokenTtlSeconds: 5 },
      /deviceTokenTtlSeconds/,
    ],
    [
      'a bad cookie name',
      { deviceTokenSecret, deviceCookieName: 'a b;c' },
      /not a valid cookie name/,
    ],
    ['a written prefix', { deviceTokenSecret, deviceCookieName: '__Host-d' }, /hostPrefix: true/],
    [
      '__Host- without Secure',
      { deviceTokenSecret, secure: false, hostPrefix: true },
      /needs a Secure/,
    ],
    [
      'an unknown option',
      { deviceTokenSecret, maxAttempt: 3 } as object,
      /"loginThrottle.maxAttempt": is not a known option/,
    ],
  ])('refuses %s at bootstrap', (_name, options, message) => {
    const build = () => new LoginThrottleSettings(options as LoginThrottleOptions);
    expect(build).toThrow(AuthConfigurationError);
    expect(build).toThrow(message);
  });
});

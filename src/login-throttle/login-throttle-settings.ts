import { randomBytes } from 'node:crypto';
import type { Provider } from '@nestjs/common';
import { OptionsReader, settingsProvider } from '../core/options-reader.js';
import type { LoginThrottleOptions } from './login-throttle-options.js';

const KEYS: readonly (keyof LoginThrottleOptions)[] = [
  'deviceTokenSecret',
  'maxAttempts',
  'lockoutSeconds',
  'deviceTokenTtlSeconds',
  'deviceCookieName',
  'secure',
  'hostPrefix',
];

// RFC 9110 token characters, at most 64 of them: a valid cookie name.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;

/**
 * The `loginThrottle` options, validated at bootstrap and normalised. Provided by
 * {@link loginThrottleSettingsProvider}. Internal.
 */
export class LoginThrottleSettings {
  readonly maxAttempts: number;
  readonly lockoutMs: number;
  /** The device-token secrets; the first signs. */
  readonly secrets: readonly string[];
  /** Whether `secrets` is a random one of this process, because none was configured. */
  readonly secretGenerated: boolean;
  readonly deviceTokenTtlMs: number;
  /** The device cookie's full name, `__Host-` prefix included. */
  readonly cookieName: string;
  readonly secure: boolean;

  constructor(options: LoginThrottleOptions | undefined) {
    const throttle = OptionsReader.of('loginThrottle', options, KEYS);
    this.secretGenerated = options === undefined || options === null;
    this.secrets = this.secretGenerated
      ? [randomBytes(32).toString('base64url')]
      : throttle.secrets('deviceTokenSecret');
    this.maxAttempts = throttle.count('maxAttempts', 5, 1, 10_000);
    this.lockoutMs = throttle.durationMs('lockoutSeconds', 900, 1, 30 * 86_400);
    this.deviceTokenTtlMs = throttle.durationMs('deviceTokenTtlSeconds', 180 * 86_400, 60);
    this.secure = throttle.boolean('secure', true);
    const hostPrefix = throttle.boolean('hostPrefix', this.secure);
    if (hostPrefix && !this.secure) {
      throttle.fail(
        'hostPrefix',
        'needs a Secure cookie, but `secure` is false',
        'keep `secure: true` (the default), or turn `hostPrefix` off for plain-HTTP tests',
      );
    }
    const name = throttle.string('deviceCookieName', 'device', {
      pattern: COOKIE_NAME,
      problem: 'is not a valid cookie name',
      fix: 'use 1 to 64 letters, digits, ".", "_" or "-", for example "device"',
    });
    if (/^__(host|secure)-/i.test(name)) {
      throttle.fail(
        'deviceCookieName',
        'must not carry a __Host-/__Secure- prefix itself',
        'set `hostPrefix: true` instead',
      );
    }
    this.cookieName = hostPrefix ? `__Host-${name}` : name;
  }
}

/** The provider that validates `options.loginThrottle` at bootstrap. */
export const loginThrottleSettingsProvider: Provider = settingsProvider(
  LoginThrottleSettings,
  (options: { loginThrottle?: LoginThrottleOptions }) =>
    new LoginThrottleSettings(options.loginThrottle),
);

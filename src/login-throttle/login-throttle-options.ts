/**
 * The settings of {@link LoginThrottle}: `AuthModule.forRoot({ loginThrottle: { … } })`.
 *
 * Without them the throttle still works, with the defaults below and a device-token secret of
 * this process only (a warning says so at its first use): device tokens then stop working at a
 * restart and are not accepted by other instances. Give `deviceTokenSecret` in production.
 *
 * @example
 * const loginThrottle: LoginThrottleOptions = {
 *   deviceTokenSecret: process.env.DEVICE_TOKEN_SECRET!,
 *   maxAttempts: 5,
 *   lockoutSeconds: 15 * 60,
 * };
 */
export interface LoginThrottleOptions {
  /**
   * Signs device tokens (HMAC-SHA256): at least 32 characters of random data. An array rotates
   * secrets: the first signs new tokens, every one of them verifies. Required when
   * `loginThrottle` is given.
   */
  deviceTokenSecret: string | readonly string[];
  /**
   * Failed logins allowed per account from clients without a valid device token for it, and
   * per device token, within `lockoutSeconds`; the next attempt gets 429. Default: `5`.
   */
  maxAttempts?: number;
  /**
   * How long failures are remembered, and how long a lockout lasts from the attempt that
   * reached the limit. Default: `900` (15 minutes).
   */
  lockoutSeconds?: number;
  /** How long a device token stays valid after the login that issued it. Default: 180 days. */
  deviceTokenTtlSeconds?: number;
  /** The device cookie's name, before the `__Host-` prefix. Default: `'device'`. */
  deviceCookieName?: string;
  /**
   * Send the device cookie with `Secure` (browsers also keep it from loopback over plain HTTP).
   * Turn it off only for plain-HTTP tests. Default: `true`.
   */
  secure?: boolean;
  /** Prefix the device cookie's name with `__Host-`. Needs `secure`. Default: the value of `secure`. */
  hostPrefix?: boolean;
}

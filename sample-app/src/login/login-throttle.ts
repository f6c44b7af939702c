/**
 * Counts failed logins per account and locks the account out for a while past the limit.
 * Implementations: in memory (one instance) and in Redis (shared by every instance).
 * Throws when its store is down; the login is then refused (fail closed).
 */
export abstract class LoginThrottle {
  /** Seconds until `account` may try again; 0 when it is not locked. */
  abstract lockedFor(account: string): Promise<number>;

  /** Counts one failure; returns the seconds of lockout that starts now, or 0. */
  abstract recordFailure(account: string): Promise<number>;

  /** Forgets the failures of `account` (after a successful login). */
  abstract reset(account: string): Promise<void>;
}

/** The limits, from `LOGIN_MAX_ATTEMPTS` / `LOGIN_LOCKOUT_SECONDS`. */
export interface LoginThrottleLimits {
  /** Failures allowed within the window; the next attempt gets 429. */
  readonly maxAttempts: number;
  /** How long failures are remembered, and how long a lockout lasts. */
  readonly lockoutSeconds: number;
}

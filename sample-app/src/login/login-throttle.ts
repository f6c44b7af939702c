/**
 * Counts failed logins per account and locks the account out for a while past the limit.
 * Implementations: in memory (one instance) and in Redis (shared by every instance).
 * Throws when its store is down; the login is then refused (fail closed).
 */
export abstract class LoginThrottle {
  /**
   * Counts one login attempt for `account`, atomically, before its password is checked, and
   * answers the seconds until it may try again (0: go ahead). Counting first is what makes the
   * limit hold against a burst of parallel attempts: a check-then-count would let every request
   * of the burst pass the check while the others are still hashing.
   */
  abstract attempt(account: string): Promise<number>;

  /** Forgets the attempts of `account` (after a successful login). */
  abstract reset(account: string): Promise<void>;
}

/** The limits, from `LOGIN_MAX_ATTEMPTS` / `LOGIN_LOCKOUT_SECONDS`. */
export interface LoginThrottleLimits {
  /** Attempts allowed within the window without a success; the next one gets 429. */
  readonly maxAttempts: number;
  /** How long failures are remembered, and how long a lockout lasts. */
  readonly lockoutSeconds: number;
}

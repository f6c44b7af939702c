/** What {@link LoginThrottleStore.hit} answers. */
export interface LoginCount {
  /** The attempts counted under the key within its window, this one included. */
  readonly attempts: number;
  /** How long until the count is forgotten, in ms (at least 1). */
  readonly remainingMs: number;
}

/**
 * Where {@link LoginThrottle} counts login attempts: in memory (`InMemoryLoginThrottleStore`,
 * the default, for one instance) or in Redis (`RedisLoginThrottleStore`, shared by every
 * instance). Replace it with `{ provide: LoginThrottleStore, … }` in `AuthModule`'s `providers`.
 *
 * Every implementation passes the same contract suite. Time comes from the library's `Clock`.
 * A store that cannot answer rejects; the login is then refused with 503 (fail closed).
 */
export abstract class LoginThrottleStore {
  /**
   * Counts one attempt under `key` and answers the count, in one atomic step: concurrent calls,
   * from this process or another instance, are all counted, so a burst of parallel attempts
   * cannot get more than `limit` of them past the check.
   *
   * A key without a live count starts at 1 and lives `windowMs`. The attempt that makes the
   * count reach `limit` arms it again for a full `windowMs`, so a lockout lasts the whole period
   * from the attempt that reached the limit; later attempts do not extend it.
   */
  abstract hit(key: string, limit: number, windowMs: number): Promise<LoginCount>;

  /** Forgets the count under `key` (after a successful login). */
  abstract reset(key: string): Promise<void>;
}

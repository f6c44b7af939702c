/** A session as stored: plain JSON data (the middleware's cookie settings and the login record). */
export type StoredSession = Record<string, unknown>;

/** How {@link SessionStore.set} writes. */
export interface SessionWriteOptions {
  /**
   * Write only when `sid` is still stored (Redis `SET … XX`); otherwise write nothing. Set for
   * the save of a session the request read from the store: a request still running when its
   * session is logged out, revoked or expired must not bring it back when it ends. A session
   * new in this request (after a login's regenerate) is written without it.
   */
  onlyIfStored?: boolean;
}

/**
 * Where sessions live, and the per-user index that lets a user's sessions be listed and revoked.
 * The session middleware (express-session, or the library's own on Fastify) reads and writes
 * sessions through it, so both adapters share one store.
 *
 * The default is `InMemorySessionStore` (one process only: tests and demos). For several
 * instances use `RedisSessionStore` from `nestjs-gatehouse/redis`, or implement this class and
 * provide it with `AuthModule.forRoot({ providers: [{ provide: SessionStore, useClass: … }] })`.
 *
 * Every method rejects when the backing store fails; requests then get 503. Expiry given as
 * `ttlMs` is housekeeping only: the timeouts themselves are checked against the `Clock`.
 */
export abstract class SessionStore {
  /** The session `sid`, or `null` when there is none (never stored, expired or destroyed). */
  abstract get(sid: string): Promise<StoredSession | null>;
  /**
   * Stores `session` under `sid`, replacing it, to be forgotten after `ttlMs`. With
   * `onlyIfStored`, a `sid` that is no longer stored (destroyed or expired) stays so.
   */
  abstract set(
    sid: string,
    session: StoredSession,
    ttlMs: number,
    options?: SessionWriteOptions,
  ): Promise<void>;
  /** Forgets the session `sid`. No error when it does not exist. */
  abstract destroy(sid: string): Promise<void>;
  /** Records that `sid` belongs to `identity`; the entry may be forgotten after `ttlMs`. */
  abstract addToIndex(identity: string, sid: string, ttlMs: number): Promise<void>;
  /** Removes `sid` from the index of `identity`. */
  abstract removeFromIndex(identity: string, sid: string): Promise<void>;
  /** The ids indexed for `identity`. It may include sessions that have since ended. */
  abstract listIndex(identity: string): Promise<string[]>;
}

/** A session as stored: plain JSON data (the middleware's cookie settings and the login record). */
export type StoredSession = Record<string, unknown>;

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
  /** Stores `session` under `sid`, replacing it, to be forgotten after `ttlMs`. */
  abstract set(sid: string, session: StoredSession, ttlMs: number): Promise<void>;
  /** Forgets the session `sid`. No error when it does not exist. */
  abstract destroy(sid: string): Promise<void>;
  /** Records that `sid` belongs to `identity`; the entry may be forgotten after `ttlMs`. */
  abstract addToIndex(identity: string, sid: string, ttlMs: number): Promise<void>;
  /** Removes `sid` from the index of `identity`. */
  abstract removeFromIndex(identity: string, sid: string): Promise<void>;
  /** The ids indexed for `identity`. It may include sessions that have since ended. */
  abstract listIndex(identity: string): Promise<string[]>;
}

import { Logger } from '@nestjs/common';
import type { Clock } from '../core/clock.js';
import { readRecord, sessionExpiry } from './session-record.js';
import type { SessionSettings } from './session-settings.js';
import type { SessionStore, SessionWriteOptions, StoredSession } from './session-store.js';
import { STORE_FAILURE_KEY } from './session-binding.js';

type Callback<T = unknown> = (error?: unknown, value?: T) => void;

/**
 * The callback-style store express-session speaks, over the library's promise-based
 * {@link SessionStore}, and the same reads and writes as promises for the library's own
 * Fastify sessions and detached sessions. Internal; built by `configureSessions`.
 *
 * A failing read is not passed to the middleware (which would answer 500, or fall back to an
 * anonymous session): it hands over a stand-in session that carries the failure, and the
 * session backend turns it into 503.
 */
export class SessionMiddlewareStore {
  private static readonly logger = new Logger('Gatehouse');

  constructor(
    private readonly store: SessionStore,
    private readonly clock: Clock,
    private readonly settings: SessionSettings,
  ) {}

  get(sid: string, callback: Callback<StoredSession | null>): void {
    this.read(sid).then((session) => callback(null, session));
  }

  /**
   * The session `sid`, `null` when there is none, or the stand-in that carries a read failure.
   * Never rejects.
   */
  read(sid: string): Promise<StoredSession | null> {
    return this.store.get(sid).then(
      // A custom store that hands back a string, a number or an array holds something no
      // session was written as: a store failure (503), not data to copy from.
      (session) =>
        session === null || (typeof session === 'object' && !Array.isArray(session))
          ? session
          : { cookie: {}, [STORE_FAILURE_KEY]: `the store returned ${describeValue(session)}` },
      (error: unknown) => ({ cookie: {}, [STORE_FAILURE_KEY]: describe(error) }),
    );
  }

  set(
    sid: string,
    session: object,
    callback: Callback = noop,
    options: SessionWriteOptions = {},
  ): void {
    if (STORE_FAILURE_KEY in session) {
      callback();
      return;
    }
    this.write(sid, JSON.parse(JSON.stringify(session)) as StoredSession, options).then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /**
   * Writes `data` (plain JSON, owned by the store from here on) under `sid`, to expire when the
   * login record's timeouts end it; a session holding nothing worth keeping is destroyed instead.
   * `options` go to the store's `set` (`onlyIfStored` for a session read from the store).
   */
  async write(sid: string, data: StoredSession, options: SessionWriteOptions = {}): Promise<void> {
    if (Object.keys(data).every((key) => key === 'cookie')) {
      // Nothing worth keeping (a session just regenerated, or emptied): make sure none is stored.
      await this.store.destroy(sid);
      return;
    }
    const record = readRecord(data);
    const ttlMs = record
      ? sessionExpiry(record, this.settings.idleTimeoutMs, this.settings.absoluteTimeoutMs) -
        this.clock.now()
      : this.settings.idleTimeoutMs;
    try {
      await (ttlMs > 0 ? this.store.set(sid, data, ttlMs, options) : this.store.destroy(sid));
    } catch (error) {
      SessionMiddlewareStore.logger.error('session store write failed', stack(error));
      throw error;
    }
  }

  destroy(sid: string, callback: Callback = noop): void {
    this.store.destroy(sid).then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  /** The library saves activity itself (against its Clock), so the middleware's touch is moot. */
  touch(_sid: string, _session: object, callback: Callback = noop): void {
    callback();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function stack(error: unknown): string | undefined {
  return error instanceof Error ? error.stack : undefined;
}

function noop(): void {}

function describeValue(value: unknown): string {
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

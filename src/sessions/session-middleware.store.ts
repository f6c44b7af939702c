import { Logger } from '@nestjs/common';
import type { Clock } from '../core/clock.js';
import { readRecord, sessionExpiry } from './session-record.js';
import type { SessionSettings } from './session-settings.js';
import type { SessionStore, StoredSession } from './session-store.js';
import { STORE_FAILURE_KEY } from './session-binding.js';

type Callback<T = unknown> = (error?: unknown, value?: T) => void;

/**
 * The callback-style store both session middlewares speak, over the library's promise-based
 * {@link SessionStore}. Internal; built by `configureSessions`.
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
    this.store.get(sid).then(
      (session) => callback(null, session),
      (error: unknown) => callback(null, { cookie: {}, [STORE_FAILURE_KEY]: describe(error) }),
    );
  }

  set(sid: string, session: object, callback: Callback = noop): void {
    if (STORE_FAILURE_KEY in session) {
      callback();
      return;
    }
    const data = JSON.parse(JSON.stringify(session)) as StoredSession;
    if (Object.keys(data).every((key) => key === 'cookie')) {
      // Nothing worth keeping (a session just regenerated, or emptied): make sure none is stored.
      this.destroy(sid, callback);
      return;
    }
    const record = readRecord(data);
    const ttlMs = record
      ? sessionExpiry(record, this.settings.idleTimeoutMs, this.settings.absoluteTimeoutMs) -
        this.clock.now()
      : this.settings.idleTimeoutMs;
    const write = ttlMs > 0 ? this.store.set(sid, data, ttlMs) : this.store.destroy(sid);
    write.then(
      () => callback(),
      (error: unknown) => {
        SessionMiddlewareStore.logger.error('session store write failed', stack(error));
        callback(error);
      },
    );
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

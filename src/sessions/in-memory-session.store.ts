import { Injectable } from '@nestjs/common';
import { Clock } from '../core/clock.js';
import { SessionStore, type SessionWriteOptions, type StoredSession } from './session-store.js';

/**
 * The default {@link SessionStore}: a map in this process, expiring by the injected `Clock`.
 * Sessions are kept serialised, so a handler cannot change a stored session by accident.
 * For tests, demos and single-instance apps; use `RedisSessionStore` when several instances
 * serve the same users.
 */
@Injectable()
export class InMemorySessionStore extends SessionStore {
  private readonly sessions = new Map<string, { json: string; expiresAt: number }>();
  private readonly index = new Map<string, Map<string, number>>();
  private writes = 0;

  constructor(private readonly clock: Clock) {
    super();
  }

  async get(sid: string): Promise<StoredSession | null> {
    const entry = this.sessions.get(sid);
    if (!entry) return null;
    if (entry.expiresAt <= this.clock.now()) {
      this.sessions.delete(sid);
      return null;
    }
    return JSON.parse(entry.json) as StoredSession;
  }

  async set(
    sid: string,
    session: StoredSession,
    ttlMs: number,
    options: SessionWriteOptions = {},
  ): Promise<void> {
    if (options.onlyIfStored && !this.holds(sid)) return;
    this.sessions.set(sid, { json: JSON.stringify(session), expiresAt: this.clock.now() + ttlMs });
    // Expired entries are dropped on read; sweep now and then so unread ones do not pile up.
    if (++this.writes % 1000 === 0) this.sweep();
  }

  async destroy(sid: string): Promise<void> {
    this.sessions.delete(sid);
  }

  async addToIndex(identity: string, sid: string, ttlMs: number): Promise<void> {
    let ids = this.index.get(identity);
    if (!ids) {
      ids = new Map();
      this.index.set(identity, ids);
    }
    ids.set(sid, this.clock.now() + ttlMs);
  }

  async removeFromIndex(identity: string, sid: string): Promise<void> {
    const ids = this.index.get(identity);
    ids?.delete(sid);
    if (ids?.size === 0) this.index.delete(identity);
  }

  async listIndex(identity: string): Promise<string[]> {
    const ids = this.index.get(identity);
    if (!ids) return [];
    const now = this.clock.now();
    return [...ids].filter(([, expiresAt]) => expiresAt > now).map(([sid]) => sid);
  }

  private holds(sid: string): boolean {
    const entry = this.sessions.get(sid);
    return entry !== undefined && entry.expiresAt > this.clock.now();
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [sid, entry] of this.sessions) if (entry.expiresAt <= now) this.sessions.delete(sid);
    for (const [identity, ids] of this.index) {
      for (const [sid, expiresAt] of ids) if (expiresAt <= now) ids.delete(sid);
      if (ids.size === 0) this.index.delete(identity);
    }
  }
}

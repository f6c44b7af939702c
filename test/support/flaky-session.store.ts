import {
  InMemorySessionStore,
  type SessionWriteOptions,
  type StoredSession,
} from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';

/**
 * An in-memory session store that can be switched off, to test how the library behaves when its
 * store fails (the Redis suite does the same with a real redis-server that is stopped).
 */
export class FlakySessionStore extends InMemorySessionStore {
  down = false;
  /** Only the per-user index fails (a write timing out halfway through a login). */
  indexDown = false;
  /** Reads work, writes and deletions fail (a replica that lost its primary). */
  writesDown = false;

  constructor() {
    super(new FakeClock());
  }

  private check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED 10.0.0.7:6379');
  }

  private checkWrite(): void {
    this.check();
    if (this.writesDown) throw new Error("READONLY You can't write against a read only replica");
  }

  override async get(sid: string): Promise<StoredSession | null> {
    this.check();
    return super.get(sid);
  }
  override async set(
    sid: string,
    session: StoredSession,
    ttlMs: number,
    options?: SessionWriteOptions,
  ): Promise<void> {
    this.checkWrite();
    return super.set(sid, session, ttlMs, options);
  }
  override async destroy(sid: string): Promise<void> {
    this.checkWrite();
    return super.destroy(sid);
  }
  override async addToIndex(identity: string, sid: string, ttlMs: number): Promise<void> {
    this.check();
    if (this.indexDown) throw new Error('Redis did not answer within 1000 ms');
    return super.addToIndex(identity, sid, ttlMs);
  }
  override async listIndex(identity: string): Promise<string[]> {
    this.check();
    return super.listIndex(identity);
  }
}

import type { OnModuleDestroy, Provider } from '@nestjs/common';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { withTimeout } from '../core/dependency-call.js';
import {
  providedRedis,
  redisStoreBounds,
  writeThenWait,
  type RedisReplicaWait,
} from '../core/redis-client.js';
import { SessionStore, type SessionWriteOptions, type StoredSession } from './session-store.js';

/** Settings of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** Prefix of every key the store writes. Default: `'gatehouse:session:'`. */
  keyPrefix?: string;
  /**
   * Longest wait for one Redis command, in ms; past it the request gets 503 instead of hanging.
   * Default: `1000`.
   */
  commandTimeoutMs?: number;
  /**
   * Make the writes that end or index a session (`destroy`, `addToIndex`) wait until this many
   * replicas hold them (Redis `WAIT`), so a logout or "log out everywhere" survives the failover
   * of its primary; writes the replicas do not acknowledge within `timeoutMs` fail (503).
   * Without it, a primary that dies before replicating a logout brings the session back.
   * Default: none.
   */
  waitForReplicas?: RedisReplicaWait;
}

/** How {@link RedisSessionStore.provider} finds its Redis. */
export interface RedisSessionProviderOptions extends RedisSessionStoreOptions {
  /** A Redis URL, for example `redis://127.0.0.1:6379/0`. The store owns and closes the client. */
  url?: string;
  /**
   * An existing ioredis client (`Redis`, or `Cluster`) instead of `url`; you keep owning it (the
   * store never closes it), so one connection can serve every store of the application.
   */
  client?: Redis | Cluster;
  /** Extra ioredis options when `url` is used. */
  redisOptions?: RedisOptions;
}

// Adds a session to its user's index and makes the index live as long as that newest session,
// in one step, so the index never outlives or misses its expiry.
const ADD_TO_INDEX = `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * A {@link SessionStore} in Redis (ioredis), shared by every instance of the application. Each
 * session is one JSON string key, each user's index one set; both expire with the sessions
 * (`PX`). Every command touches a single key, so the store runs on a Cluster as well. Every
 * command is bounded by `commandTimeoutMs`; when Redis cannot answer, requests get 503.
 *
 * @example
 * AuthModule.forRoot({
 *   backends: [SessionBackend],
 *   userModel: Users,
 *   session: { secret: process.env.SESSION_SECRET! },
 *   providers: [RedisSessionStore.provider({ url: process.env.REDIS_URL })],
 * });
 */
export class RedisSessionStore extends SessionStore implements OnModuleDestroy {
  private readonly prefix: string;
  /** The time bound added per command; `undefined` when the client bounds its commands. */
  private readonly timeoutMs: number | undefined;
  private readonly wait: RedisReplicaWait | undefined;

  /**
   * @param client an ioredis `Redis` or `Cluster`.
   * @param ownsClient whether {@link onModuleDestroy} closes `client`. Default: `false`.
   */
  constructor(
    private readonly client: Redis | Cluster,
    options: RedisSessionStoreOptions = {},
    private readonly ownsClient = false,
  ) {
    super();
    this.prefix = options.keyPrefix ?? 'gatehouse:session:';
    if (typeof client?.smembers !== 'function') {
      throw new TypeError('RedisSessionStore: the client must be an ioredis Redis or Cluster');
    }
    ({ timeoutMs: this.timeoutMs, wait: this.wait } = redisStoreBounds(
      client,
      options,
      'RedisSessionStore',
    ));
  }

  /**
   * A provider of `SessionStore` for `AuthModule.forRoot({ providers })`. With `url`, the client
   * fails fast while Redis is away (no offline queue) and reconnects on its own; a Redis that is
   * down at start only makes session requests answer 503 until it is back.
   */
  static provider(options: RedisSessionProviderOptions): Provider {
    const redis = providedRedis(options, 'RedisSessionStore.provider', 'session store');
    return {
      provide: SessionStore,
      useFactory: () => redis(({ client, owned }) => new RedisSessionStore(client, options, owned)),
    };
  }

  async get(sid: string): Promise<StoredSession | null> {
    const json = await this.bounded(this.client.get(this.sessionKey(sid)));
    return json === null ? null : (JSON.parse(json) as StoredSession);
  }

  async set(
    sid: string,
    session: StoredSession,
    ttlMs: number,
    options: SessionWriteOptions = {},
  ): Promise<void> {
    const key = this.sessionKey(sid);
    const json = JSON.stringify(session);
    const px = wholeMs(ttlMs);
    // XX: one atomic command, so a logout between a request's read and its save always wins.
    await this.bounded(
      options.onlyIfStored
        ? this.client.set(key, json, 'PX', px, 'XX')
        : this.client.set(key, json, 'PX', px),
    );
  }

  async destroy(sid: string): Promise<void> {
    const key = this.sessionKey(sid);
    await this.bounded(writeThenWait(this.client, (p) => p.del(key), this.wait));
  }

  async addToIndex(identity: string, sid: string, ttlMs: number): Promise<void> {
    const key = this.indexKey(identity);
    // The newest session lives at most ttlMs, so the set may go when it does. One key, so the
    // script (and the WAIT behind it) stays in one Cluster slot.
    await this.bounded(
      writeThenWait(
        this.client,
        (p) => p.eval(ADD_TO_INDEX, 1, key, sid, wholeMs(ttlMs)),
        this.wait,
      ),
    );
  }

  async removeFromIndex(identity: string, sid: string): Promise<void> {
    await this.bounded(this.client.srem(this.indexKey(identity), sid));
  }

  async listIndex(identity: string): Promise<string[]> {
    return this.bounded(this.client.smembers(this.indexKey(identity)));
  }

  async onModuleDestroy(): Promise<void> {
    if (this.ownsClient) this.client.disconnect();
  }

  private sessionKey(sid: string): string {
    return `${this.prefix}sid:${sid}`;
  }

  private indexKey(identity: string): string {
    return `${this.prefix}user:${identity}`;
  }

  private bounded<T>(operation: Promise<T>): Promise<T> {
    return withTimeout(operation, this.timeoutMs, 'Redis');
  }
}

/** Redis takes whole milliseconds, and at least one (`PX 0` is an error). */
function wholeMs(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}

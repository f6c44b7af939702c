import { Logger, type OnModuleDestroy, type Provider } from '@nestjs/common';
import type { RedisStore } from 'connect-redis';
import type { RedisClientOptions, RedisClientType } from 'redis';
import { SessionStore, type StoredSession } from './session-store.js';

/** A connected node-redis (v5) client, as `createClient()` returns it. */
export type NodeRedisClient = Pick<RedisClientType, 'sAdd' | 'sRem' | 'sMembers' | 'multi'> &
  Partial<Pick<RedisClientType, 'close' | 'on' | 'connect'>>;

/** Settings of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** Prefix of every key the store writes. Default: `'gatehouse:session:'`. */
  keyPrefix?: string;
  /**
   * Longest wait for one Redis command, in ms; past it the request gets 503 instead of hanging.
   * Default: `1000`.
   */
  commandTimeoutMs?: number;
}

/** How {@link RedisSessionStore.provider} finds its Redis. */
export interface RedisSessionProviderOptions extends RedisSessionStoreOptions {
  /** A Redis URL, for example `redis://127.0.0.1:6379/0`. The store owns and closes the client. */
  url?: string;
  /** An existing, connected node-redis client instead of `url`; you keep owning it. */
  client?: NodeRedisClient;
  /** Extra node-redis options when `url` is used. */
  redisOptions?: RedisClientOptions;
}

/**
 * A {@link SessionStore} in Redis, shared by every instance of the application. Session data
 * goes through connect-redis (the maintained Redis store of express-session, which
 * @fastify/session accepts too); the per-user index is a Redis set per identity. Keys expire with
 * the sessions. Every command is bounded by `commandTimeoutMs`; when Redis cannot answer,
 * requests get 503.
 *
 * connect-redis 9 speaks node-redis (the `redis` package, v5), not ioredis. Install
 * `connect-redis@^9 redis@^5` (and `express-session`, which connect-redis builds on, also on
 * Fastify). They are loaded on first use, so `nestjs-gatehouse/redis` works without them for
 * the other stores.
 *
 * @example
 * AuthModule.forRoot({
 *   backends: [SessionBackend],
 *   userModel: Users,
 *   session: { secret: process.env.SESSION_SECRET },
 *   providers: [RedisSessionStore.provider({ url: process.env.REDIS_URL })],
 * })
 */
export class RedisSessionStore extends SessionStore implements OnModuleDestroy {
  private static readonly logger = new Logger('Gatehouse');
  private readonly prefix: string;
  private readonly timeoutMs: number;
  /** The TTL of each write, handed to connect-redis, which asks for it by session object. */
  private readonly ttls = new WeakMap<object, number>();
  private sessions?: Promise<RedisStore>;

  constructor(
    private readonly client: NodeRedisClient,
    options: RedisSessionStoreOptions = {},
    private readonly ownsClient = false,
  ) {
    super();
    this.prefix = options.keyPrefix ?? 'gatehouse:session:';
    this.timeoutMs = options.commandTimeoutMs ?? 1000;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new TypeError('RedisSessionStore: commandTimeoutMs must be a positive whole number');
    }
  }

  /**
   * A provider of `SessionStore` for `AuthModule.forRoot({ providers })`. With `url` it creates
   * its own client (offline queue off, so an outage fails fast) and closes it on shutdown.
   */
  static provider(options: RedisSessionProviderOptions): Provider {
    return {
      provide: SessionStore,
      useFactory: async () => {
        if (options.client) return new RedisSessionStore(options.client, options);
        if (!options.url) {
          throw new TypeError('RedisSessionStore.provider: pass `url` or `client`');
        }
        const { createClient } = await import('redis');
        const client = createClient({
          disableOfflineQueue: true,
          ...options.redisOptions,
          url: options.url,
        });
        let healthy = true;
        client.on('error', (error: Error) => {
          // One line per outage, not one per reconnection attempt.
          if (healthy) RedisSessionStore.logger.error(`Redis session store: ${error.message}`);
          healthy = false;
        });
        client.on('ready', () => {
          healthy = true;
        });
        client.connect().catch(() => undefined);
        return new RedisSessionStore(client as unknown as NodeRedisClient, options, true);
      },
    };
  }

  async get(sid: string): Promise<StoredSession | null> {
    const sessions = await this.connectRedis();
    return ((await this.bounded(sessions.get(sid))) as StoredSession | null) ?? null;
  }

  async set(sid: string, session: StoredSession, ttlMs: number): Promise<void> {
    const sessions = await this.connectRedis();
    this.ttls.set(session, Math.max(1, Math.ceil(ttlMs / 1000)));
    await this.bounded(sessions.set(sid, session as never));
  }

  async destroy(sid: string): Promise<void> {
    const sessions = await this.connectRedis();
    await this.bounded(sessions.destroy(sid));
  }

  async addToIndex(identity: string, sid: string, ttlMs: number): Promise<void> {
    const key = this.indexKey(identity);
    // The newest session lives at most ttlMs, so the set may go when it does.
    await this.bounded(this.client.multi().sAdd(key, sid).pExpire(key, ttlMs).exec());
  }

  async removeFromIndex(identity: string, sid: string): Promise<void> {
    await this.bounded(this.client.sRem(this.indexKey(identity), sid));
  }

  async listIndex(identity: string): Promise<string[]> {
    return (await this.bounded(this.client.sMembers(this.indexKey(identity)))) as string[];
  }

  async onModuleDestroy(): Promise<void> {
    if (this.ownsClient && this.client.close) {
      await this.client.close().catch(() => undefined);
    }
  }

  private connectRedis(): Promise<RedisStore> {
    this.sessions ??= import('connect-redis').then(
      ({ RedisStore }) =>
        new RedisStore({
          client: this.client,
          prefix: `${this.prefix}sid:`,
          ttl: (session: object) => this.ttls.get(session) ?? 60,
        }),
    );
    return this.sessions;
  }

  private indexKey(identity: string): string {
    return `${this.prefix}user:${identity}`;
  }

  private bounded<T>(operation: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      timer.unref();
    });
    return Promise.race([operation, timeout]).finally(() => clearTimeout(timer));
  }
}

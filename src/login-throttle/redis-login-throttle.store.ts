import type { OnModuleDestroy, Provider } from '@nestjs/common';
import type { ChainableCommander, Cluster, Redis, RedisOptions } from 'ioredis';
import { Clock } from '../core/clock.js';
import { withTimeout } from '../core/dependency-call.js';
import {
  providedRedis,
  redisStoreBounds,
  writeThenWait,
  type RedisReplicaWait,
} from '../core/redis-client.js';
import { LoginThrottleStore, type LoginCount } from './login-throttle-store.js';

/** Settings of {@link RedisLoginThrottleStore}. */
export interface RedisLoginThrottleStoreOptions {
  /** Prefix of every key the store writes. Default: `'gatehouse:login:'`. */
  keyPrefix?: string;
  /**
   * Longest wait for one Redis command, in ms; past it the login gets 503 instead of hanging.
   * Default: `1000`.
   */
  commandTimeoutMs?: number;
  /**
   * Make every count wait until this many replicas hold it (Redis `WAIT`), so that the failover
   * of a primary does not hand a locked account a fresh budget; a count they do not acknowledge
   * within `timeoutMs` fails (503). Default: none.
   */
  waitForReplicas?: RedisReplicaWait;
}

/** How {@link RedisLoginThrottleStore.provider} finds its Redis. */
export interface RedisLoginThrottleProviderOptions extends RedisLoginThrottleStoreOptions {
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

// Counts, re-arms at the limit and answers in one step, so attempts on every instance are all
// counted before any password is checked. A count is a hash { n: attempts, e: when it ends, in ms
// of the library's Clock } rather than a key TTL, so the store follows the same clock as the
// rest of the library; the TTL only collects the key once it has ended.
// ARGV: now, window (ms), limit, now + window (as text, so no large number is formatted in Lua).
const HIT = `
local now = tonumber(ARGV[1])
local stored = redis.call('HMGET', KEYS[1], 'n', 'e')
local n, ends = tonumber(stored[1]), stored[2]
if not n or not ends or tonumber(ends) <= now then n, ends = 0, ARGV[4] end
n = n + 1
if n == tonumber(ARGV[3]) then ends = ARGV[4] end
redis.call('HSET', KEYS[1], 'n', n, 'e', ends)
local left = tonumber(ends) - now
if left < 1 then left = 1 end
redis.call('PEXPIRE', KEYS[1], left)
return {n, left}`;

type ScriptPipeline = ChainableCommander & {
  gatehouseLoginHit(
    key: string,
    now: number,
    windowMs: number,
    limit: number,
    ends: number,
  ): ScriptPipeline;
};

/**
 * A {@link LoginThrottleStore} in Redis (ioredis), shared by every instance of the application.
 * Counting is one Lua script on one key, so it is atomic across instances and runs on a Redis
 * Cluster as on one Redis (each script's one key is trivially in one slot); each key expires
 * when its count ends. Every command is bounded by `commandTimeoutMs`; when Redis cannot answer,
 * logins get 503.
 *
 * @example
 * AuthModule.forRoot({
 *   backends: [SessionBackend],
 *   userModel: Users,
 *   session: { secret: process.env.SESSION_SECRET! },
 *   loginThrottle: { deviceTokenSecret: process.env.DEVICE_TOKEN_SECRET! },
 *   providers: [RedisLoginThrottleStore.provider({ url: process.env.REDIS_URL })],
 * });
 */
export class RedisLoginThrottleStore extends LoginThrottleStore implements OnModuleDestroy {
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
    private readonly clock: Clock,
    options: RedisLoginThrottleStoreOptions = {},
    private readonly ownsClient = false,
  ) {
    super();
    if (typeof client?.defineCommand !== 'function') {
      throw new TypeError(
        'RedisLoginThrottleStore: the client must be an ioredis Redis or Cluster',
      );
    }
    this.prefix = options.keyPrefix ?? 'gatehouse:login:';
    ({ timeoutMs: this.timeoutMs, wait: this.wait } = redisStoreBounds(
      client,
      options,
      'RedisLoginThrottleStore',
    ));
    client.defineCommand('gatehouseLoginHit', { numberOfKeys: 1, lua: HIT });
  }

  /**
   * A provider of `LoginThrottleStore` for `AuthModule.forRoot({ providers })`. With `url`, the
   * client fails fast while Redis is away (no offline queue) and reconnects on its own; a Redis
   * that is down at start only makes logins answer 503 until it is back.
   */
  static provider(options: RedisLoginThrottleProviderOptions): Provider {
    const redis = providedRedis(
      options,
      'RedisLoginThrottleStore.provider',
      'login throttle store',
    );
    return {
      provide: LoginThrottleStore,
      inject: [Clock],
      useFactory: (clock: Clock) =>
        redis(({ client, owned }) => new RedisLoginThrottleStore(client, clock, options, owned)),
    };
  }

  async hit(key: string, limit: number, windowMs: number): Promise<LoginCount> {
    const now = this.clock.now();
    const [reply] = await this.write((p) =>
      p.gatehouseLoginHit(this.prefix + key, now, windowMs, limit, now + windowMs),
    );
    const [attempts, remainingMs] = reply as [number, number];
    return { attempts: Number(attempts), remainingMs: Number(remainingMs) };
  }

  async reset(key: string): Promise<void> {
    await this.write((p) => p.del(this.prefix + key));
  }

  async onModuleDestroy(): Promise<void> {
    if (this.ownsClient) this.client.disconnect();
  }

  /** Sends `add`'s commands, with a WAIT for replicas behind them when asked, in bounded time. */
  private write(add: (pipeline: ScriptPipeline) => void): Promise<unknown[]> {
    return withTimeout(
      writeThenWait(this.client, (p) => add(p as ScriptPipeline), this.wait),
      this.timeoutMs,
      'Redis',
    );
  }
}

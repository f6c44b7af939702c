import type { OnModuleDestroy, Provider } from '@nestjs/common';
import type { ChainableCommander, Cluster, Redis, RedisOptions } from 'ioredis';
import {
  providedRedis,
  redisStoreBounds,
  writeThenWait,
  type RedisReplicaWait,
} from '../../core/redis-client.js';
import { Clock } from '../../core/clock.js';
import { withTimeout } from '../../core/dependency-call.js';
import {
  RevocationStore,
  type ConsumeOptions,
  type ConsumeResult,
  type RevocationSubject,
} from './revocation-store.js';
import { cutoffRefuses, parseCutoff } from './subject-cutoff.js';

/** Settings of {@link RedisRevocationStore}. */
export interface RedisRevocationStoreOptions {
  /** Prefix of every key the store writes. Default: `'gatehouse:rv:'`. */
  keyPrefix?: string;
  /**
   * Longest wait for one Redis command, in ms; past it the request gets 503 instead of hanging.
   * Default: `1000`.
   */
  commandTimeoutMs?: number;
  /**
   * Make every write (a revocation, a spent refresh token) wait until this many replicas hold it
   * (Redis `WAIT`), so that it survives the failover of its primary; a write they do not
   * acknowledge within `timeoutMs` fails (503). Without it, a write acknowledged by a primary
   * that dies before replicating it is lost: the revoked token works again, or a spent refresh
   * token can be spent once more. Default: none.
   */
  waitForReplicas?: RedisReplicaWait;
}

/** How {@link RedisRevocationStore.provider} finds its Redis. */
export interface RedisRevocationProviderOptions extends RedisRevocationStoreOptions {
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

// One round trip each, so the check-and-set cannot interleave with another instance's.
// KEYS[2] holds the family's highest spent refresh generation, followed by "|<ms>" (the end of
// its reuse grace window) only when it was spent with one: ARGV[3] is now, ARGV[4] the window.
// Without a window the value stays a bare number, which stores without windows read alike.
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'family_revoked' end
local generation = tonumber(ARGV[1])
local current = redis.call('GET', KEYS[2])
if current then
  local spent, graceUntil = string.match(current, '^(%d+)|?(%d*)$')
  spent, graceUntil = tonumber(spent), tonumber(graceUntil)
  if spent and generation <= spent then
    if generation == spent and graceUntil and tonumber(ARGV[3]) <= graceUntil then
      return 'in_grace'
    end
    return 'reused'
  end
end
local ttl = tonumber(ARGV[2])
local left = redis.call('PTTL', KEYS[2])
if left > ttl then ttl = left end
local value = ARGV[1]
local grace = tonumber(ARGV[4])
if grace > 0 then value = value .. '|' .. string.format('%d', tonumber(ARGV[3]) + grace) end
redis.call('SET', KEYS[2], value, 'PX', ttl)
return 'consumed'`;

// Folds one more cut-off into the subject's, as mergeCutoff() in subject-cutoff.ts does (keep
// them in step). The value is "<all>" or "<all>|<before>|<family>"; ARGV[3] is the family to
// spare, empty for none.
const CUTOFF = `
local all, before, family
local current = redis.call('GET', KEYS[1])
if current then
  local a, b, f = string.match(current, '^([^|]*)|([^|]*)|(.*)$')
  if b then all, before, family = tonumber(a), tonumber(b), f else all = tonumber(current) end
end
local cut, spare = tonumber(ARGV[1]), ARGV[3]
if spare == '' then
  if not all or cut > all then all = cut end
elseif not before or family == spare then
  if not before or cut > before then before = cut end
  family = spare
else
  local older = math.min(cut, before)
  if not all or older > all then all = older end
  if cut > before then before, family = cut, spare end
end
if before and all and all >= before then before = nil end
local value = all and tostring(all) or ''
if before then value = value .. '|' .. tostring(before) .. '|' .. family end
local ttl = tonumber(ARGV[2])
local left = redis.call('PTTL', KEYS[1])
if left > ttl then ttl = left end
redis.call('SET', KEYS[1], value, 'PX', ttl)
return 1`;

type ScriptPipeline = ChainableCommander & {
  gatehouseConsume(
    k1: string,
    k2: string,
    generation: number,
    ttl: number,
    now: number,
    graceMs: number,
  ): ScriptPipeline;
  gatehouseCutoff(k1: string, before: number, ttl: number, spare: string): ScriptPipeline;
};

/**
 * A {@link RevocationStore} in Redis, shared by every instance of the application. Keys expire
 * with the tokens they concern (`PX`), spending a refresh token is one Lua script (atomic across
 * instances), and every command is bounded by `commandTimeoutMs`. When Redis cannot answer,
 * the methods reject and requests get 503.
 *
 * Imported from `nestjs-gatehouse/redis`, so ioredis is only needed by those who use it.
 * Runs on one Redis (or Sentinel) and on a Redis Cluster. The keys a script touches share a hash
 * tag (the refresh family), so each script stays in one slot. The revocation check reads three
 * keys, named by token id, subject and family: one MGET on a single Redis; on a Cluster, where
 * no one hash tag can join them (revoking a family knows only the family), three GETs sent at
 * once to their slots' nodes, so it still costs one round trip of time.
 *
 * @example
 * AuthModule.forRoot({
 *   backends: [JwtBackend],
 *   userModel: Users,
 *   jwt: { algorithms: ['HS256'], secret: process.env.JWT_SECRET! },
 *   providers: [RedisRevocationStore.provider({ url: process.env.REDIS_URL })],
 * });
 */
export class RedisRevocationStore extends RevocationStore implements OnModuleDestroy {
  private readonly client: Redis | Cluster;
  private readonly prefix: string;
  /** The time bound added per command; `undefined` when the client bounds its commands. */
  private readonly timeoutMs: number | undefined;
  private readonly wait: RedisReplicaWait | undefined;
  private readonly cluster: boolean;

  /**
   * @param client an ioredis `Redis` or `Cluster`.
   * @param ownsClient whether {@link onModuleDestroy} closes `client`. Default: `false`.
   */
  constructor(
    client: Redis | Cluster,
    private readonly clock: Clock,
    options: RedisRevocationStoreOptions = {},
    private readonly ownsClient = false,
  ) {
    super();
    this.prefix = options.keyPrefix ?? 'gatehouse:rv:';
    if (typeof client.defineCommand !== 'function') {
      throw new TypeError('RedisRevocationStore: the client must be an ioredis client');
    }
    ({ timeoutMs: this.timeoutMs, wait: this.wait } = redisStoreBounds(
      client,
      options,
      'RedisRevocationStore',
    ));
    this.cluster = client.isCluster;
    client.defineCommand('gatehouseConsume', { numberOfKeys: 2, lua: CONSUME });
    client.defineCommand('gatehouseCutoff', { numberOfKeys: 1, lua: CUTOFF });
    this.client = client;
  }

  /**
   * A provider of `RevocationStore` backed by Redis, for `AuthModule.forRoot({ providers })`.
   * With `url`, the client fails fast while Redis is away (no offline queue) and reconnects on
   * its own; a Redis that is down at start only makes requests answer 503 until it is back.
   */
  static provider(options: RedisRevocationProviderOptions): Provider {
    const redis = providedRedis(options, 'RedisRevocationStore.provider', 'revocation store');
    return {
      provide: RevocationStore,
      inject: [Clock],
      useFactory: (clock: Clock) =>
        redis(({ client, owned }) => new RedisRevocationStore(client, clock, options, owned)),
    };
  }

  // `owner` is not used: Redis holds no per-user quota (size it with maxmemory, see the README).
  async revokeToken(tokenId: string, until: number, _owner?: string): Promise<void> {
    await this.setUntil(`${this.prefix}t:${tokenId}`, until);
  }

  async revokeFamily(family: string, until: number, _owner?: string): Promise<void> {
    await this.setUntil(this.familyKey(family), until);
  }

  async revokeSubject(
    subject: string,
    before: number,
    until: number,
    exceptFamily?: string,
  ): Promise<void> {
    const ttl = until - this.clock.now();
    if (ttl <= 0) return;
    const key = `${this.prefix}s:${subject}`;
    await this.write((p) => p.gatehouseCutoff(key, before, ttl, exceptFamily ?? ''));
  }

  async isRevoked(token: RevocationSubject): Promise<boolean> {
    // The cut-off first; then the token's own entries, whichever it has (a token accepted
    // without `jti` has no id entry).
    const keys = [`${this.prefix}s:${token.subject}`];
    if (token.tokenId !== undefined) keys.push(`${this.prefix}t:${token.tokenId}`);
    if (token.family !== undefined) keys.push(this.familyKey(token.family));
    const [cutoff, ...entries] = await this.bounded(
      this.cluster ? Promise.all(keys.map((key) => this.client.get(key))) : this.client.mget(keys),
    );
    if (entries.some((entry) => entry != null)) return true;
    return cutoff != null && cutoffRefuses(parseCutoff(cutoff), token);
  }

  async consumeRefreshToken(
    family: string,
    generation: number,
    until: number,
    options: ConsumeOptions = {},
  ): Promise<ConsumeResult> {
    // The library's clock, not Redis's: the window is measured like every other time here.
    const now = this.clock.now();
    const ttl = Math.max(1, until - now);
    // Both keys carry the family as hash tag, so the script stays in one slot.
    const [result] = await this.write((p) =>
      p.gatehouseConsume(
        this.familyKey(family),
        `${this.prefix}g:{${family}}`,
        generation,
        ttl,
        Math.floor(now),
        Math.max(0, Math.floor(options.reuseGraceMs ?? 0)),
      ),
    );
    return result as ConsumeResult;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.ownsClient) this.client.disconnect();
  }

  private familyKey(family: string): string {
    return `${this.prefix}f:{${family}}`;
  }

  private async setUntil(key: string, until: number): Promise<void> {
    const ttl = until - this.clock.now();
    if (ttl <= 0) return;
    await this.write((p) => p.set(key, '1', 'PX', ttl));
  }

  /** One write, and the replicas' acknowledgement when `waitForReplicas` asks for it. */
  private write(add: (pipeline: ScriptPipeline) => void): Promise<unknown[]> {
    return this.bounded(writeThenWait(this.client, (p) => add(p as ScriptPipeline), this.wait));
  }

  private bounded<T>(operation: Promise<T>): Promise<T> {
    return withTimeout(operation, this.timeoutMs, 'Redis');
  }
}

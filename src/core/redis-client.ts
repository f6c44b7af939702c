import { Logger } from '@nestjs/common';
import { Redis, type ChainableCommander, type Cluster, type RedisOptions } from 'ioredis';
import { AuthConfigurationError } from './auth-error.js';

const logger = new Logger('Gatehouse');

/**
 * Opens the ioredis client a Redis store owns when it is given a `url`: no offline queue, so an
 * outage fails fast (503) instead of queueing, and reconnects on its own; a Redis that is down
 * at start only makes requests answer 503 until it is back. Only the Redis stores import this
 * file, so applications without Redis never load ioredis.
 *
 * @param label names the store in the log, e.g. `'revocation store'`.
 */
export async function openRedis(
  url: string,
  commandTimeoutMs: number,
  label: string,
  redisOptions: RedisOptions = {},
): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(commandTimeoutMs, 1000),
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
    ...redisOptions,
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    // ioredis repeats the same error on every reconnect attempt; log each cause once.
    if (error.message !== lastError) {
      lastError = error.message;
      logger.warn(`${label}: ${error.message}`);
    }
  });
  client.on('ready', () => (lastError = ''));
  await client.connect().catch(() => undefined);
  return client;
}

/** How a Redis store's `provider` finds its Redis: the options every Redis store shares. */
export interface RedisConnectionOptions {
  /** A Redis URL; the store owns and closes the client it opens. */
  url?: string;
  /** An existing client; the application keeps owning it. */
  client?: Redis | Cluster;
  /** Extra ioredis options when `url` is used. */
  redisOptions?: RedisOptions;
  commandTimeoutMs?: number;
}

/** The client a Redis store's provider hands its store, and whether the store closes it. */
export interface ProvidedRedis {
  readonly client: Redis | Cluster;
  readonly owned: boolean;
}

/**
 * How a Redis store's provider makes its store: `build` on `options.client` as given (the
 * application keeps it), or on one opened from `options.url` with {@link openRedis} (the store
 * owns it). Checked when the provider is made, so a provider with neither fails at once. A client
 * it opened is closed again when `build` throws (an option the store refuses): left open, it
 * would go on reconnecting and logging after the application failed to start.
 *
 * @param provider names the provider in the error, e.g. `'RedisSessionStore.provider'`.
 * @param label names the store in the log, e.g. `'session store'`.
 */
export function providedRedis(
  options: RedisConnectionOptions,
  provider: string,
  label: string,
): <T>(build: (redis: ProvidedRedis) => T) => Promise<T> {
  if (!options.client && !options.url) {
    throw new TypeError(`${provider}: give \`url\` or \`client\``);
  }
  return async (build) => {
    if (options.client) return build({ client: options.client, owned: false });
    const client = await openRedis(
      options.url!,
      options.commandTimeoutMs ?? 1000,
      label,
      options.redisOptions,
    );
    try {
      return build({ client, owned: true });
    } catch (error) {
      client.disconnect();
      throw error;
    }
  };
}

/** The time options every Redis store takes. */
export interface RedisStoreTimeOptions {
  commandTimeoutMs?: number;
  waitForReplicas?: RedisReplicaWait;
}

/** A Redis store's checked time bounds. */
export interface RedisStoreBounds {
  /** The time bound added per command; `undefined` when the client bounds its commands. */
  readonly timeoutMs: number | undefined;
  readonly wait: RedisReplicaWait | undefined;
}

/**
 * {@link commandBound} and {@link checkReplicaWait} of a Redis store's options, as its
 * constructor checks them.
 */
export function redisStoreBounds(
  client: Redis | Cluster,
  options: RedisStoreTimeOptions,
  store: string,
): RedisStoreBounds {
  return {
    timeoutMs: commandBound(client, options.commandTimeoutMs, store),
    wait: checkReplicaWait(client, options.waitForReplicas, options.commandTimeoutMs, store),
  };
}

/**
 * The time bound a Redis store adds to each command: `commandTimeoutMs` (default 1000), checked,
 * or `undefined` when a `Redis` client bounds its commands itself (`commandTimeout`, as the
 * clients {@link openRedis} opens do), so no command pays for a second timer. A `Cluster` is
 * always bounded by the store.
 *
 * @param store names the store in the error, e.g. `'RedisSessionStore'`.
 */
export function commandBound(
  client: Redis | Cluster,
  commandTimeoutMs: number | undefined,
  store: string,
): number | undefined {
  const timeoutMs = commandTimeoutMs ?? 1000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`${store}: commandTimeoutMs must be a positive whole number`);
  }
  const own = 'commandTimeout' in client.options ? client.options.commandTimeout : undefined;
  return own ? undefined : timeoutMs;
}

/**
 * How long a Redis store's writes wait for replicas (Redis `WAIT`), so that a write the store
 * reported done survives the failover of its primary: `replicas` copies must acknowledge it
 * within `timeoutMs`, or the write is reported failed (the request gets 503).
 */
export interface RedisReplicaWait {
  /** How many replicas must hold the write. At least 1. */
  readonly replicas: number;
  /** The longest wait for them, in ms; shorter than the store's command time bound. */
  readonly timeoutMs: number;
}

/**
 * Checks a store's `waitForReplicas` option against the time bound of its commands (the
 * store's own, or the client's `commandTimeout`): a WAIT that may outlast the bound would be cut
 * off and counted as an outage even when the replicas answer.
 */
export function checkReplicaWait(
  client: Redis | Cluster,
  wait: RedisReplicaWait | undefined,
  commandTimeoutMs: number | undefined,
  store: string,
): RedisReplicaWait | undefined {
  if (wait === undefined) return undefined;
  const option = `${store} waitForReplicas`;
  if (!Number.isInteger(wait.replicas) || wait.replicas < 1) {
    throw new AuthConfigurationError(
      `${option}.replicas`,
      'must be a whole number of at least 1',
      'give the replicas each write must reach, for example `{ replicas: 1, timeoutMs: 200 }`',
    );
  }
  const own = 'commandTimeout' in client.options ? client.options.commandTimeout : undefined;
  const bound = own ?? commandTimeoutMs ?? 1000;
  if (!Number.isInteger(wait.timeoutMs) || wait.timeoutMs <= 0 || wait.timeoutMs >= bound) {
    throw new AuthConfigurationError(
      `${option}.timeoutMs`,
      `must be a whole number of ms, above 0 and below the command time bound (${bound} ms)`,
      'wait less than commandTimeoutMs (and the client’s commandTimeout), for example 200',
    );
  }
  return Object.freeze({ replicas: wait.replicas, timeoutMs: wait.timeoutMs });
}

/**
 * Sends the write commands `add` queues (all on one key's slot) and, with `wait`, a `WAIT` for
 * replicas right behind them, in one pipeline: one round trip, to the very node that took the
 * write (on a Cluster the pipeline follows its keys' slot). Rejects when a command failed, or
 * when fewer replicas than asked acknowledged in time.
 */
export async function writeThenWait(
  client: Redis | Cluster,
  add: (pipeline: ChainableCommander) => void,
  wait: RedisReplicaWait | undefined,
): Promise<unknown[]> {
  const pipeline = client.pipeline();
  add(pipeline);
  if (wait) pipeline.wait(wait.replicas, wait.timeoutMs);
  const replies = await pipeline.exec();
  if (replies === null) throw new Error('Redis discarded the pipeline');
  const failed = replies.find(([error]) => error !== null);
  if (failed) throw failed[0];
  const results = replies.map(([, result]) => result);
  if (wait) {
    const acknowledged = results.pop() as number;
    if (acknowledged < wait.replicas) {
      throw new Error(
        `Redis: ${acknowledged} of ${wait.replicas} replicas acknowledged the write within ${wait.timeoutMs} ms`,
      );
    }
  }
  return results;
}

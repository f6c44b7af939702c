import { Logger } from '@nestjs/common';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';

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

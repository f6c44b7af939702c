import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';

/**
 * The app's one Redis connection (ioredis), when `REDIS_URL` is set: the library's revocation
 * and session stores and the login throttle all use it. Commands fail fast while Redis is down
 * instead of queueing, so callers can refuse the request (fail closed). `RedisModule` provides
 * it and closes it at shutdown; the stores never close a client they were given.
 */
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  /** The client, or `null` without `REDIS_URL`. */
  readonly client: Redis | null;

  constructor(config: Pick<AppConfig, 'redisUrl'>) {
    if (config.redisUrl === undefined) {
      this.client = null;
      return;
    }
    this.client = new Redis(config.redisUrl, {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      commandTimeout: 2_000,
      connectTimeout: 2_000,
      lazyConnect: false,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    let reported = false;
    this.client.on('error', (error: Error) => {
      // ioredis retries by itself; one line per outage is enough.
      if (!reported) this.logger.error(`Redis error: ${error.message}`);
      reported = true;
    });
    this.client.on('ready', () => {
      reported = false;
    });
  }

  /** The client, for what needs Redis; only wired in with `REDIS_URL`, so it throws without. */
  get shared(): Redis {
    if (this.client === null) throw new Error('REDIS_URL is not set, so there is no Redis client');
    return this.client;
  }

  /** Resolves once the client is connected (or at once without Redis). */
  async ready(): Promise<void> {
    const client = this.client;
    if (!client || client.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error('Redis did not become ready within 10 s'));
      }, 10_000);
      const onReady = () => {
        cleanup();
        resolve();
      };
      const cleanup = () => {
        clearTimeout(timer);
        client.off('ready', onReady);
      };
      client.on('ready', onReady);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}

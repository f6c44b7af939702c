import { Redis } from 'ioredis';
import * as vitest from 'vitest';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { LoginThrottleStore } from 'nestjs-gatehouse';
import { FakeClock, loginThrottleStoreContract } from 'nestjs-gatehouse/testing';
import { RedisLoginThrottleStore } from 'nestjs-gatehouse/redis';
import { startRedisServer } from '../../test/support/redis-server.js';

const url = inject('redisUrl');

async function purge(client: Redis, prefix: string): Promise<void> {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
}

loginThrottleStoreContract(
  'redis',
  async (clock) => {
    const client = new Redis(url);
    const prefix = `gatehouse-login-contract-${process.pid}-${Date.now()}:`;
    return {
      store: new RedisLoginThrottleStore(client, clock, { keyPrefix: prefix }),
      close: async () => {
        await purge(client, prefix);
        await client.quit();
      },
    };
  },
  vitest,
);

describe('RedisLoginThrottleStore against a real redis-server', () => {
  const clients: Redis[] = [];
  afterAll(() => {
    for (const c of clients) c.disconnect();
  });
  const client = () => {
    const c = new Redis(url);
    clients.push(c);
    return c;
  };

  it('shares one count between instances, and lets the key expire with it', async () => {
    const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    const prefix = `gatehouse-login-shared-${process.pid}-${Date.now()}:`;
    const a = new RedisLoginThrottleStore(client(), clock, { keyPrefix: prefix });
    const b = new RedisLoginThrottleStore(client(), clock, { keyPrefix: prefix });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).hit('a:alice', 3, 900_000)),
    );
    expect(answers.map((x) => x.attempts).sort((x, y) => x - y)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    const redis = client();
    expect(await redis.keys(`${prefix}*`)).toEqual([`${prefix}a:alice`]);
    const ttl = await redis.pttl(`${prefix}a:alice`);
    expect(ttl).toBeGreaterThan(890_000);
    expect(ttl).toBeLessThanOrEqual(900_000);
    await purge(redis, prefix);
  });

  it('rejects within the timeout while Redis is down or stalled, and works again after', async () => {
    const server = await startRedisServer();
    try {
      const clock = new FakeClock();
      const provider = RedisLoginThrottleStore.provider({
        url: server.url,
        commandTimeoutMs: 300,
      }) as { useFactory: (clock: FakeClock) => Promise<RedisLoginThrottleStore> };
      const store = await provider.useFactory(clock);
      expect(store).toBeInstanceOf(LoginThrottleStore);
      expect((await store.hit('k', 3, 60_000)).attempts).toBe(1);
      await server.stop();
      const started = Date.now();
      await expect(store.hit('k', 3, 60_000)).rejects.toThrow();
      await expect(store.reset('k')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3_000);
      await server.start();
      await expect
        .poll(
          () =>
            store.hit('k2', 3, 60_000).then(
              (c) => c.attempts,
              () => 0,
            ),
          {
            timeout: 10_000,
            interval: 100,
          },
        )
        .toBe(1);
      await store.onModuleDestroy();
    } finally {
      await server.close();
    }
  });

  it('bounds a command on a client without its own timeout', async () => {
    const server = await startRedisServer();
    const given = new Redis(server.url, { maxRetriesPerRequest: 0 });
    const admin = new Redis(server.url);
    try {
      const store = new RedisLoginThrottleStore(given, new FakeClock(), { commandTimeoutMs: 200 });
      expect((await store.hit('k', 3, 60_000)).attempts).toBe(1);
      // Redis holds every client's commands for a while: a stall, not a refused connection.
      await admin.call('CLIENT', 'PAUSE', '800', 'ALL');
      const started = Date.now();
      await expect(store.hit('k', 3, 60_000)).rejects.toThrow(/did not answer within 200 ms/);
      expect(Date.now() - started).toBeLessThan(700);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      given.disconnect();
      admin.disconnect();
      await server.close();
    }
  });

  it('refuses anything but an ioredis client', () => {
    expect(() => new RedisLoginThrottleStore({} as Redis, new FakeClock())).toThrow(TypeError);
    expect(() => RedisLoginThrottleStore.provider({})).toThrow(/url.*client/);
  });
});

import { Redis } from 'ioredis';
import * as vitest from 'vitest';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RevocationStore } from 'nestjs-gatehouse';
import { FakeClock, revocationStoreContract } from 'nestjs-gatehouse/testing';
import { RedisRevocationStore } from 'nestjs-gatehouse/redis';
import { startRedisServer } from '../../../test/support/redis-server.js';

const url = inject('redisUrl');

/** Deletes every key under `prefix`. */
async function purge(client: Redis, prefix: string): Promise<void> {
  const keys = await client.keys(`${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
}

revocationStoreContract(
  'redis',
  async (clock) => {
    const client = new Redis(url);
    const prefix = `gatehouse-contract-${process.pid}-${Date.now()}:`;
    return {
      store: new RedisRevocationStore(client, clock, { keyPrefix: prefix }),
      // Redis ages keys by its own clock; time travel shortens every key's TTL by the same amount.
      advance: async (ms) => {
        clock.advance(ms);
        for (const key of await client.keys(`${prefix}*`)) {
          const left = await client.pttl(key);
          if (left - ms <= 0) await client.del(key);
          else await client.pexpire(key, left - ms);
        }
      },
      entries: async () => (await client.keys(`${prefix}*`)).length,
      close: async () => {
        await purge(client, prefix);
        await client.quit();
      },
    };
  },
  vitest,
);

describe('RedisRevocationStore against a real redis-server', () => {
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const c of clients) c.disconnect();
  });

  it('refuses a provider given neither a url nor a client, when it is made', () => {
    expect(() => RedisRevocationStore.provider({})).toThrowError(
      'RedisRevocationStore.provider: give `url` or `client`',
    );
  });

  it('closes the client its provider opened when the store refuses an option', async () => {
    const name = `gatehouse-refused-${process.pid}`;
    const admin = new Redis(url);
    const named = async () =>
      ((await admin.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes(`name=${name} `)).length;
    try {
      const provider = RedisRevocationStore.provider({
        url,
        commandTimeoutMs: -1,
        redisOptions: { connectionName: name },
      }) as { useFactory: (clock: FakeClock) => Promise<RedisRevocationStore> };
      await expect(provider.useFactory(new FakeClock())).rejects.toThrowError(
        'RedisRevocationStore: commandTimeoutMs must be a positive whole number',
      );
      // The client connected (it is opened before the store checks its options), then was closed.
      await expect.poll(named, { timeout: 5000, interval: 50 }).toBe(0);
    } finally {
      await admin.quit();
    }
  });

  it('writes keys that expire with the tokens', async () => {
    const client = new Redis(url);
    clients.push(client);
    const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    const prefix = `gatehouse-ttl-${process.pid}:`;
    const store = new RedisRevocationStore(client, clock, { keyPrefix: prefix });
    await store.revokeToken('j1', clock.now() + 90_000);
    await store.revokeFamily('f1', clock.now() + 30_000);
    await store.consumeRefreshToken('f2', 3, clock.now() + 45_000);
    await store.revokeSubject('u1', clock.now(), clock.now() + 120_000);
    const ttl = async (key: string) => client.pttl(`${prefix}${key}`);
    expect(await ttl('t:j1')).toBeGreaterThan(85_000);
    expect(await ttl('t:j1')).toBeLessThanOrEqual(90_000);
    expect(await ttl('f:{f1}')).toBeLessThanOrEqual(30_000);
    expect(await ttl('g:{f2}')).toBeLessThanOrEqual(45_000);
    expect(await ttl('g:{f2}')).toBeGreaterThan(40_000);
    expect(await client.get(`${prefix}g:{f2}`)).toBe('3');
    expect(await ttl('s:u1')).toBeLessThanOrEqual(120_000);
    expect(await client.get(`${prefix}s:u1`)).toBe(String(clock.now()));
    await purge(client, prefix);
  });

  it('rejects within the timeout while Redis is down, and works again once it is back', async () => {
    const server = await startRedisServer();
    try {
      const clock = new FakeClock();
      const provider = RedisRevocationStore.provider({
        url: server.url,
        commandTimeoutMs: 300,
      }) as {
        useFactory: (clock: FakeClock) => Promise<RedisRevocationStore>;
      };
      const store = await provider.useFactory(clock);
      expect(store).toBeInstanceOf(RevocationStore);
      const probe = { tokenId: 'x', subject: 'u', issuedAt: clock.now() };
      expect(await store.isRevoked(probe)).toBe(false);
      await server.stop();
      const started = Date.now();
      await expect(store.isRevoked(probe)).rejects.toThrow();
      await expect(store.consumeRefreshToken('a', 0, clock.now() + 1000)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1500);
      await server.start();
      await expect
        .poll(() => store.isRevoked(probe).catch(() => 'down'), { timeout: 10_000, interval: 100 })
        .toBe(false);
      await store.onModuleDestroy();
    } finally {
      await server.close();
    }
  });

  it('a user-provided client is bounded by the timeout even with an offline queue', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, { maxRetriesPerRequest: null });
    clients.push(client);
    client.on('error', () => undefined);
    try {
      const store = new RedisRevocationStore(client, new FakeClock(), { commandTimeoutMs: 200 });
      await server.stop();
      await expect(store.revokeToken('j', Date.now() + 10_000)).rejects.toThrow(/200 ms/);
    } finally {
      client.disconnect();
      await server.close();
    }
  });
});

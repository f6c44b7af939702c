import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import * as vitest from 'vitest';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { InMemorySessionStore, SessionStore } from 'nestjs-gatehouse';
import { FakeClock, sessionStoreContract } from 'nestjs-gatehouse/testing';
import { RedisSessionStore } from 'nestjs-gatehouse/redis';
import { startRedisServer } from '../../test/support/redis-server.js';

sessionStoreContract(
  'InMemorySessionStore',
  async () => new InMemorySessionStore(new FakeClock()),
  vitest,
);

describe('InMemorySessionStore expiry follows the Clock', () => {
  it('forgets sessions and index entries after their TTL', async () => {
    const clock = new FakeClock(0);
    const store = new InMemorySessionStore(clock);
    await store.set('s', { x: 1 }, 1000);
    await store.addToIndex('u', 's', 1000);
    clock.advance(999);
    expect(await store.get('s')).toEqual({ x: 1 });
    expect(await store.listIndex('u')).toEqual(['s']);
    clock.advance(1);
    expect(await store.get('s')).toBeNull();
    expect(await store.listIndex('u')).toEqual([]);
  });

  it('does not bring an expired session back with `onlyIfStored`', async () => {
    const clock = new FakeClock(0);
    const store = new InMemorySessionStore(clock);
    await store.set('s', { x: 1 }, 1000);
    clock.advance(1000);
    await store.set('s', { x: 2 }, 1000, { onlyIfStored: true });
    expect(await store.get('s')).toBeNull();
  });
});

describe('RedisSessionStore', () => {
  const url = inject('redisUrl');
  const client = new Redis(url);
  const prefix = `gatehouse-contract:${randomBytes(6).toString('hex')}:`;
  afterAll(() => client.quit());

  sessionStoreContract(
    'RedisSessionStore',
    async () => new RedisSessionStore(client, { keyPrefix: prefix }),
    vitest,
  );

  it('writes sessions with the given TTL and keeps the index set alive as long', async () => {
    const store = new RedisSessionStore(client, { keyPrefix: prefix });
    await store.set('ttl', { x: 1 }, 90_000);
    await store.addToIndex('ttl-user', 'ttl', 120_000);
    const ttl = await client.ttl(`${prefix}sid:ttl`);
    expect(ttl).toBeGreaterThan(85);
    expect(ttl).toBeLessThanOrEqual(90);
    expect(await client.pttl(`${prefix}user:ttl-user`)).toBeGreaterThan(110_000);
  });

  it('never closes a client it was given, and closes the one it opened from a url', async () => {
    const given = new RedisSessionStore(client, { keyPrefix: prefix });
    await given.onModuleDestroy();
    expect(await client.ping()).toBe('PONG');

    const provider = RedisSessionStore.provider({ url, keyPrefix: prefix }) as {
      useFactory: () => Promise<RedisSessionStore>;
    };
    const owned = await provider.useFactory();
    expect(owned).toBeInstanceOf(SessionStore);
    await owned.set('owned', { x: 1 }, 60_000);
    expect(await client.get(`${prefix}sid:owned`)).toBe('{"x":1}');
    await owned.onModuleDestroy();
    await expect(owned.get('owned')).rejects.toThrow();
  });

  it("leaves the bound to a client's own commandTimeout, without a second timer", async () => {
    const server = await startRedisServer();
    const own = new Redis(server.url, { maxRetriesPerRequest: null, commandTimeout: 30 });
    own.on('error', () => undefined);
    try {
      await server.stop();
      // Had the store added its own (shorter) timer, that would have answered first.
      const store = new RedisSessionStore(own, { commandTimeoutMs: 5 });
      await expect(store.listIndex('u')).rejects.toThrow(/Command timed out/);
    } finally {
      own.disconnect();
      await server.close();
    }
  });

  it('refuses a provider without a Redis, and a client that is not ioredis', () => {
    expect(() => RedisSessionStore.provider({})).toThrowError(/give `url` or `client`/);
    const nodeRedisLike = { sMembers: () => Promise.resolve([]) };
    expect(() => new RedisSessionStore(nodeRedisLike as never)).toThrowError(
      /must be an ioredis Redis or Cluster/,
    );
  });

  it('rejects, rather than hangs, when Redis does not answer in time', async () => {
    // A client of the caller's that queues commands while Redis is away, and retries forever.
    const server = await startRedisServer();
    const stuck = new Redis(server.url, { maxRetriesPerRequest: null });
    stuck.on('error', () => undefined);
    try {
      await server.stop();
      const store = new RedisSessionStore(stuck, { commandTimeoutMs: 20 });
      await expect(store.listIndex('u')).rejects.toThrow(/did not answer within 20 ms/);
    } finally {
      stuck.disconnect();
      await server.close();
    }
  });
});

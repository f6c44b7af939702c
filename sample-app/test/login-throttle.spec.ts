import { Redis } from 'ioredis';
import { FakeClock } from 'nestjs-gatehouse';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { LoginThrottle } from '../src/login/login-throttle.js';
import { MemoryLoginThrottle } from '../src/login/memory-login-throttle.js';
import { RedisLoginThrottle } from '../src/login/redis-login-throttle.js';
import { startRedisServer } from '../../test/support/redis-server.js';

const limits = { maxAttempts: 3, lockoutSeconds: 600 };
const redis = new Redis(inject('redisUrl'), { lazyConnect: true });
let prefixCounter = 0;

afterAll(async () => {
  await redis.quit();
});

const kinds: [string, () => LoginThrottle][] = [
  ['memory', () => new MemoryLoginThrottle(limits, new FakeClock())],
  ['redis', () => new RedisLoginThrottle(redis, limits, `t${Date.now()}-${prefixCounter++}:`)],
];

describe.each(kinds)('%s login throttle', (_kind, make) => {
  let throttle: LoginThrottle;
  beforeEach(() => {
    throttle = make();
  });

  it('locks an account after the allowed failures, for the lockout period', async () => {
    expect(await throttle.lockedFor('alice')).toBe(0);
    expect(await throttle.recordFailure('alice')).toBe(0);
    expect(await throttle.recordFailure('alice')).toBe(0);
    expect(await throttle.lockedFor('alice')).toBe(0);
    expect(await throttle.recordFailure('alice')).toBe(600);
    const locked = await throttle.lockedFor('alice');
    expect(locked).toBeGreaterThan(590);
    expect(locked).toBeLessThanOrEqual(600);
  });

  it('counts per account, case-insensitively', async () => {
    await throttle.recordFailure('Bob');
    await throttle.recordFailure('BOB');
    await throttle.recordFailure('bob');
    expect(await throttle.lockedFor('bob')).toBeGreaterThan(0);
    expect(await throttle.lockedFor('carol')).toBe(0);
  });

  it('forgets the failures after a success', async () => {
    await throttle.recordFailure('dave');
    await throttle.recordFailure('dave');
    await throttle.reset('dave');
    await throttle.recordFailure('dave');
    await throttle.recordFailure('dave');
    expect(await throttle.lockedFor('dave')).toBe(0);
  });

  it('bounds the key size whatever the account name', async () => {
    const huge = 'x'.repeat(10_000);
    for (let i = 0; i < 3; i++) await throttle.recordFailure(huge);
    expect(await throttle.lockedFor(huge)).toBeGreaterThan(0);
  });
});

describe('memory login throttle and time', () => {
  it('unlocks when the lockout period has passed', async () => {
    const clock = new FakeClock();
    const throttle = new MemoryLoginThrottle(limits, clock);
    for (let i = 0; i < 3; i++) await throttle.recordFailure('erin');
    clock.advance(599_000);
    expect(await throttle.lockedFor('erin')).toBe(1);
    clock.advance(1_000);
    expect(await throttle.lockedFor('erin')).toBe(0);
  });

  it('forgets old failures after the window', async () => {
    const clock = new FakeClock();
    const throttle = new MemoryLoginThrottle(limits, clock);
    await throttle.recordFailure('frank');
    await throttle.recordFailure('frank');
    clock.advance(600_000);
    expect(await throttle.recordFailure('frank')).toBe(0);
  });
});

describe('redis login throttle', () => {
  it('shares the count between clients (instances) and sets an expiry on the key', async () => {
    const other = new Redis(inject('redisUrl'));
    const prefix = `shared-${Date.now()}:`;
    const a = new RedisLoginThrottle(redis, limits, prefix);
    const b = new RedisLoginThrottle(other, limits, prefix);
    await a.recordFailure('gina');
    await b.recordFailure('gina');
    expect(await a.lockedFor('gina')).toBe(0);
    expect(await b.recordFailure('gina')).toBe(600);
    expect(await a.lockedFor('gina')).toBeGreaterThan(0);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(590_000);
    await other.quit();
  });

  it('fails (rejects) while Redis is down, so the login can be refused', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
    });
    await new Promise((resolve) => client.once('ready', resolve));
    const throttle = new RedisLoginThrottle(client, limits);
    expect(await throttle.recordFailure('hank')).toBe(0);
    await server.stop();
    await expect(throttle.lockedFor('hank')).rejects.toThrow();
    await expect(throttle.recordFailure('hank')).rejects.toThrow();
    client.disconnect();
    await server.close();
  });
});

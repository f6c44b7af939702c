import { Redis } from 'ioredis';
import { FakeClock } from 'nestjs-gatehouse/testing';
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

  it('lets the allowed attempts through, then locks the account for the lockout period', async () => {
    expect(await throttle.attempt('alice')).toBe(0);
    expect(await throttle.attempt('alice')).toBe(0);
    expect(await throttle.attempt('alice')).toBe(0);
    const locked = await throttle.attempt('alice');
    expect(locked).toBeGreaterThan(590);
    expect(locked).toBeLessThanOrEqual(600);
    expect(await throttle.attempt('alice')).toBeGreaterThan(590);
  });

  it('counts a burst of parallel attempts exactly: no more than the limit go ahead', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => throttle.attempt('ivy')));
    expect(answers.filter((seconds) => seconds === 0)).toHaveLength(limits.maxAttempts);
    expect(answers.filter((seconds) => seconds > 0)).toHaveLength(20 - limits.maxAttempts);
  });

  it('counts per account, case-insensitively', async () => {
    await throttle.attempt('Bob');
    await throttle.attempt('BOB');
    await throttle.attempt('bob');
    expect(await throttle.attempt('bob')).toBeGreaterThan(0);
    expect(await throttle.attempt('carol')).toBe(0);
  });

  it('forgets the attempts after a success', async () => {
    await throttle.attempt('dave');
    await throttle.attempt('dave');
    await throttle.reset('dave');
    await throttle.attempt('dave');
    await throttle.attempt('dave');
    expect(await throttle.attempt('dave')).toBe(0);
  });

  it('bounds the key size whatever the account name', async () => {
    const huge = 'x'.repeat(10_000);
    for (let i = 0; i < 3; i++) await throttle.attempt(huge);
    expect(await throttle.attempt(huge)).toBeGreaterThan(0);
  });
});

describe('memory login throttle and time', () => {
  it('unlocks when the lockout period has passed', async () => {
    const clock = new FakeClock();
    const throttle = new MemoryLoginThrottle(limits, clock);
    for (let i = 0; i < 3; i++) await throttle.attempt('erin');
    clock.advance(599_000);
    expect(await throttle.attempt('erin')).toBe(1);
    clock.advance(1_000);
    expect(await throttle.attempt('erin')).toBe(0);
  });

  it('forgets old attempts after the window', async () => {
    const clock = new FakeClock();
    const throttle = new MemoryLoginThrottle(limits, clock);
    await throttle.attempt('frank');
    await throttle.attempt('frank');
    clock.advance(600_000);
    expect(await throttle.attempt('frank')).toBe(0);
    expect(await throttle.attempt('frank')).toBe(0);
    expect(await throttle.attempt('frank')).toBe(0);
    expect(await throttle.attempt('frank')).toBeGreaterThan(0);
  });
});

describe('redis login throttle', () => {
  it('shares the count between clients (instances) and sets an expiry on the key', async () => {
    const other = new Redis(inject('redisUrl'));
    const prefix = `shared-${Date.now()}:`;
    const a = new RedisLoginThrottle(redis, limits, prefix);
    const b = new RedisLoginThrottle(other, limits, prefix);
    expect(await a.attempt('gina')).toBe(0);
    expect(await b.attempt('gina')).toBe(0);
    expect(await a.attempt('gina')).toBe(0);
    expect(await b.attempt('gina')).toBeGreaterThan(590);
    expect(await a.attempt('gina')).toBeGreaterThan(590);
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
    expect(await throttle.attempt('hank')).toBe(0);
    await server.stop();
    await expect(throttle.attempt('hank')).rejects.toThrow();
    await expect(throttle.reset('hank')).rejects.toThrow();
    client.disconnect();
    await server.close();
  });
});

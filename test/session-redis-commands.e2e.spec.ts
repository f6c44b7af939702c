import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { RedisSessionStore } from 'nestjs-gatehouse/redis';
import { startSessionApp } from './apps/session.app.js';
import { CookieJar, setCookies } from './support/cookie-jar.js';
import { adapters, type RunningApp } from './support/http-app.js';
import { sessionLogin } from './support/session-login.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const IDLE_MS = 600_000;
/** Activity is written at most once per twentieth of the idle timeout. */
const ACTIVITY_WRITE_MS = IDLE_MS / 20;
const REQUESTS = 20;

/**
 * Counts what Redis itself executed (`INFO commandstats`) on a server of this spec's own, so no
 * other spec's commands are counted.
 */
async function commandCounts(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const counts: Record<string, number> = {};
  for (const line of info.split('\r\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    // Leaves out the counting itself (INFO, CONFIG RESETSTAT: "config|resetstat" on Redis 7).
    if (match && !/^(info|config)\b/.test(match[1]!)) counts[match[1]!] = Number(match[2]);
  }
  return counts;
}

const total = (counts: Record<string, number>) =>
  Object.values(counts).reduce((sum, n) => sum + n, 0);

describe.each(adapters)('Redis round trips of a session request (%s)', (adapter) => {
  let server: RedisServer;
  let app: RunningApp;
  let redis: Redis;
  const clock = new FakeClock(Date.parse('2026-03-01T09:00:00Z'));

  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
    app = await startSessionApp(adapter, {}, [
      { provide: Clock, useValue: clock },
      RedisSessionStore.provider({ url: server.url, keyPrefix: 'gatehouse-count:' }),
    ]);
  });
  afterAll(async () => {
    await app?.close();
    await redis?.quit();
    await server?.close();
  });

  const measure = async (run: () => Promise<void>) => {
    await redis.config('RESETSTAT');
    await run();
    return commandCounts(redis);
  };

  it('reads an existing session with one GET per request, and writes nothing', async () => {
    const jar = new CookieJar();
    await sessionLogin(app, jar);
    const cookie = jar.header()!;
    const counts = await measure(async () => {
      for (let i = 0; i < REQUESTS; i++) {
        const res = await app.get('/me', { cookie });
        expect(res.status).toBe(200);
        // Nothing changed, so no cookie is sent again either.
        expect(setCookies(res)).toEqual([]);
      }
    });
    expect(counts).toEqual({ get: REQUESTS });
  });

  it('adds one write per activity interval, not per request', async () => {
    const jar = new CookieJar();
    await sessionLogin(app, jar);
    const cookie = jar.header()!;
    const counts = await measure(async () => {
      for (let i = 0; i < REQUESTS; i++) {
        // Every fourth request falls in a new interval.
        if (i % 4 === 0) clock.advance(ACTIVITY_WRITE_MS);
        expect((await app.get('/me', { cookie })).status).toBe(200);
      }
    });
    expect(counts).toEqual({ get: REQUESTS, set: REQUESTS / 4 });
    expect(total(counts)).toBe(REQUESTS + REQUESTS / 4);
  });

  it('costs an anonymous request with no cookie nothing', async () => {
    const counts = await measure(async () => {
      for (let i = 0; i < REQUESTS; i++) {
        expect((await app.get('/public/whoami')).status).toBe(200);
      }
    });
    expect(total(counts)).toBe(0);
  });
});

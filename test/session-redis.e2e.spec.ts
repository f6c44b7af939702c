import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { Clock } from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { RedisSessionStore } from 'nestjs-gatehouse/redis';
import { startSessionApp } from './apps/session.app.js';
import { CookieJar } from './support/cookie-jar.js';
import { adapters, type RunningApp } from './support/http-app.js';
import { body, GENERIC_BODIES } from './support/http.js';
import { expectSessionStoreDown, sessionLogin } from './support/session-login.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const IDLE_MS = 600_000;

async function start(
  adapter: (typeof adapters)[number],
  url: string,
  prefix: string,
  clock: Clock,
) {
  return startSessionApp(adapter, {}, [
    { provide: Clock, useValue: clock },
    RedisSessionStore.provider({ url, keyPrefix: prefix }),
  ]);
}

describe.each(adapters)('sessions in Redis, shared by two instances (%s)', (adapter) => {
  const url = inject('redisUrl');
  const prefix = `gatehouse-test:${randomBytes(6).toString('hex')}:`;
  const clock = new FakeClock(Date.parse('2026-03-01T09:00:00Z'));
  let a: RunningApp;
  let b: RunningApp;
  const redis = new Redis(url);

  beforeAll(async () => {
    [a, b] = await Promise.all([
      start(adapter, url, prefix, clock),
      start(adapter, url, prefix, clock),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis.quit();
  });

  const me = (app: RunningApp, jar: CookieJar) => app.get('/me', { cookie: jar.header()! });

  it('keeps the session in Redis, with a TTL no longer than the idle timeout', async () => {
    const jar = new CookieJar();
    await sessionLogin(a, jar);
    const keys = await redis.keys(`${prefix}sid:*`);
    expect(keys.length).toBeGreaterThan(0);
    const stored = JSON.parse((await redis.get(keys.at(-1)!))!) as { gatehouse: unknown };
    expect(stored.gatehouse).toMatchObject({ identity: 'alice' });
    const ttl = await redis.ttl(keys.at(-1)!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(IDLE_MS / 1000);
    expect(await redis.smembers(`${prefix}user:alice`)).toHaveLength(keys.length);
  });

  it('a session made on one instance works on the other', async () => {
    const jar = new CookieJar();
    await sessionLogin(a, jar);
    const res = await me(b, jar);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ identity: 'alice', auth: 'session' });
  });

  it('a logout on one instance ends the session on the other', async () => {
    const jar = new CookieJar();
    const token = (await sessionLogin(a, jar)).csrf_token;
    const cookie = jar.header()!;
    const out = await b.send('/auth/logout', {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': token },
    });
    expect(out.status).toBe(204);
    const replay = await a.get('/me', { cookie });
    expect(replay.status).toBe(401);
    expect(await body(replay)).toEqual(GENERIC_BODIES[401]);
  });

  it('login on an instance replaces the pre-login id everywhere (fixation)', async () => {
    const jar = new CookieJar();
    await sessionLogin(a, jar, 'bob');
    const before = jar.header()!;
    await sessionLogin(b, jar, 'alice');
    expect(jar.header()).not.toBe(before);
    expect((await a.get('/me', { cookie: before })).status).toBe(401);
    expect((await me(a, jar)).status).toBe(200);
  });

  it('lists and revokes sessions across instances', async () => {
    const first = new CookieJar();
    const second = new CookieJar();
    const token = (await sessionLogin(a, first, 'bob')).csrf_token;
    await a.send('/auth/logout-others', {
      method: 'POST',
      headers: { cookie: first.header()!, 'x-csrf-token': token },
    });
    await sessionLogin(b, second, 'bob');

    const list = (await (await b.get('/auth/sessions', { cookie: second.header()! })).json()) as {
      id: string;
      current: boolean;
    }[];
    expect(list).toHaveLength(2);
    const other = list.find((s) => !s.current)!;

    const secondToken = (await sessionLogin(b, second, 'bob')).csrf_token;
    const revoke = await b.delete(`/auth/sessions/${other.id}`, {
      cookie: second.header()!,
      'x-csrf-token': secondToken,
    });
    expect(revoke.status).toBe(204);
    expect((await me(a, first)).status).toBe(401);
    expect((await me(a, second)).status).toBe(200);
  });

  it('enforces the idle timeout on every instance, by the Clock', async () => {
    const jar = new CookieJar();
    await sessionLogin(a, jar);
    clock.advance(IDLE_MS - 1000);
    expect((await me(b, jar)).status).toBe(200);
    clock.advance(IDLE_MS - 1000);
    expect((await me(a, jar)).status).toBe(200);
    clock.advance(IDLE_MS);
    expect((await me(b, jar)).status).toBe(401);
    expect((await me(a, jar)).status).toBe(401);
  });
});

describe.each(adapters)('Redis session store outage (%s)', (adapter) => {
  let server: RedisServer;
  let app: RunningApp;

  beforeAll(async () => {
    server = await startRedisServer();
    app = await start(adapter, server.url, 'gatehouse-outage:', new FakeClock());
  });
  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  it('answers 503 while Redis is down, never anonymous, and recovers', async () => {
    const jar = new CookieJar();
    await vi.waitFor(() => sessionLogin(app, jar), { timeout: 5000, interval: 100 });
    const cookie = jar.header()!;
    expect((await app.get('/me', { cookie })).status).toBe(200);

    await server.stop();
    await expectSessionStoreDown(app, cookie);

    await server.start();
    // The client reconnects on its own; sessions were in the (non-persistent) server's memory.
    const again = new CookieJar();
    await vi.waitFor(() => sessionLogin(app, again), { timeout: 10_000, interval: 100 });
    expect((await app.get('/me', { cookie: again.header()! })).status).toBe(200);
  });
});

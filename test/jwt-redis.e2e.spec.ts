import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JwtOptions } from 'nestjs-gatehouse';
import { RedisRevocationStore } from 'nestjs-gatehouse/redis';
import { jwtAppModule } from './apps/jwt.app.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { bearer, body, GENERIC_BODIES } from './support/http.js';
import { loginPair } from './support/jwt-login.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const options: JwtOptions = {
  algorithms: ['HS256'],
  secret: randomBytes(32),
  issuer: 'redis-test',
};

/** Ten refreshes with one token at once, alternating between two instances. */
function raceRefreshes(a: RunningApp, b: RunningApp, token: string): Promise<Response[]> {
  return Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? a : b).post('/auth/refresh', { refresh_token: token }),
    ),
  );
}

describe.each(adapters)('JWT with the Redis revocation store (%s)', (adapter) => {
  let redis: RedisServer;
  let one: RunningApp;
  let two: RunningApp;
  const module = () =>
    jwtAppModule(options, [
      RedisRevocationStore.provider({
        url: redis.url,
        keyPrefix: `gatehouse-e2e-${adapter}:`,
        commandTimeoutMs: 500,
      }),
    ]);
  const me = (app: RunningApp, token: string) => app.get('/me', bearer(token));

  beforeAll(async () => {
    redis = await startRedisServer();
    // Two instances of the application share one Redis, as behind a load balancer.
    one = await startApp(adapter, module());
    two = await startApp(adapter, module());
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
    await redis?.close();
  });

  it('a logout on one instance is honoured by the other', async () => {
    const pair = await loginPair(one, 'alice');
    expect((await me(two, pair.access_token)).status).toBe(200);
    const out = await one.post('/auth/logout', {}, bearer(pair.access_token));
    expect(out.status).toBe(204);
    const res = await me(two, pair.access_token);
    expect(res.status).toBe(401);
    expect(await body(res)).toEqual(GENERIC_BODIES[401]);
    expect((await two.post('/auth/refresh', { refresh_token: pair.refresh_token })).status).toBe(
      401,
    );
  });

  it('concurrent refreshes on both instances: exactly one succeeds, and reuse is detected', async () => {
    const pair = await loginPair(one, 'bob');
    const results = await raceRefreshes(one, two, pair.refresh_token);
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(9);
    const winner = (await ok[0]!.json()) as { access_token: string };
    // The losers presented a spent token: the family, the winner's new pair included, is revoked.
    expect((await me(one, winner.access_token)).status).toBe(401);
  });

  it('with a reuse grace window, concurrent refreshes on both instances keep the login', async () => {
    const graceModule = jwtAppModule({ ...options, refreshReuseGraceSeconds: 30 }, [
      RedisRevocationStore.provider({
        url: redis.url,
        keyPrefix: `gatehouse-e2e-grace-${adapter}:`,
      }),
    ]);
    const [a, b] = [await startApp(adapter, graceModule), await startApp(adapter, graceModule)];
    try {
      const pair = await loginPair(a, 'dora');
      const results = await raceRefreshes(a, b, pair.refresh_token);
      const ok = results.filter((r) => r.status === 200);
      expect(ok).toHaveLength(1);
      expect(results.filter((r) => r.status === 401)).toHaveLength(9);
      const winner = (await ok[0]!.json()) as { access_token: string; refresh_token: string };
      // Within the window the losers were refused alone: the winner's pair lives on.
      expect((await me(b, winner.access_token)).status).toBe(200);
      expect((await a.post('/auth/refresh', { refresh_token: winner.refresh_token })).status).toBe(
        200,
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('answers 503 while Redis is down, never letting a token through, and resumes when it is back', async () => {
    const pair = await loginPair(one, 'carol');
    expect((await me(one, pair.access_token)).status).toBe(200);
    await redis.stop();
    try {
      for (const app of [one, two]) {
        const res = await me(app, pair.access_token);
        expect(res.status).toBe(503);
        expect(await body(res)).toEqual(GENERIC_BODIES[503]);
      }
      const refresh = await one.post('/auth/refresh', { refresh_token: pair.refresh_token });
      expect(refresh.status).toBe(503);
      expect(await body(refresh)).toEqual(GENERIC_BODIES[503]);
    } finally {
      await redis.start();
    }
    await expect
      .poll(async () => (await me(one, pair.access_token)).status, {
        timeout: 15_000,
        interval: 100,
      })
      .toBe(200);
    await expect
      .poll(async () => (await me(two, pair.access_token)).status, {
        timeout: 15_000,
        interval: 100,
      })
      .toBe(200);
    const refreshed = await two.post('/auth/refresh', { refresh_token: pair.refresh_token });
    expect(refreshed.status).toBe(200);
  });
});

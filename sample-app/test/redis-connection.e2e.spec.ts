import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../test/support/redis-server.js';
import { newAccount, PASSWORD, startSample, type TestSample } from './support/sample-app.js';

/** With REDIS_URL, everything the app keeps in Redis goes through one ioredis connection. */
describe('the sample app on Redis', () => {
  let redis: RedisServer;
  let sample: TestSample;
  let probe: Redis;

  beforeAll(async () => {
    // A server of its own, so that its client list holds this app's connections only.
    redis = await startRedisServer();
    sample = await startSample({ redisUrl: redis.url, sessionCookieSecure: false });
    probe = new Redis(redis.url);
  });
  afterAll(async () => {
    await probe?.quit();
    await sample?.close();
    await redis?.close();
  });

  it('keeps revocations, sessions and login throttling there, over a single connection', async () => {
    const account = await newAccount(sample.client);
    expect((await sample.client.get('/auth/me', account.auth)).status).toBe(200);
    const browser = sample.client.fresh();
    const session = await browser.post('/auth/session/login', {
      username: account.username,
      password: PASSWORD,
    });
    expect(session.status).toBe(200);
    expect((await browser.get('/auth/me')).body.auth).toBe('session');
    const wrong = await sample.client.post('/auth/login', {
      username: account.username,
      password: 'not the password',
    });
    expect(wrong.status).toBe(401);
    const keys = await probe.keys('*');
    expect(keys.some((key) => key.startsWith('gatehouse:session:sid:'))).toBe(true);
    expect(keys.some((key) => key.startsWith('sample-app:login-failures:'))).toBe(true);
    const logoutAll = await sample.client.post('/auth/logout-all', undefined, account.auth);
    expect(logoutAll.status).toBe(204);
    expect(await probe.keys('gatehouse:rv:s:*')).toHaveLength(1);

    const own = await probe.client('ID');
    const others = ((await probe.client('LIST')) as string)
      .split('\n')
      .filter((line) => line.startsWith('id=') && !line.startsWith(`id=${own} `));
    expect(others).toHaveLength(1);
  });
});

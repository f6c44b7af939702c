import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { startRedisServer, type RedisServer } from '../../test/support/redis-server.js';
import { newAccount, PASSWORD, startSample, type TestSample } from './support/sample-app.js';

/** Fail closed: while Redis is away, nothing that needs it is let through. */
describe.each(adapters)('Redis outage (%s)', (adapter) => {
  let redis: RedisServer;
  let sample: TestSample;

  beforeAll(async () => {
    redis = await startRedisServer();
    sample = await startSample({ httpAdapter: adapter, redisUrl: redis.url });
  });
  afterAll(async () => {
    await sample?.close();
    await redis?.close();
  });

  it('answers 503 while Redis is down, and resumes when it is back', async () => {
    const account = await newAccount(sample.client);
    expect((await sample.client.get('/auth/me', account.auth)).status).toBe(200);

    await redis.stop();
    const me = await sample.client.get('/auth/me', account.auth);
    expect([me.status, me.body]).toEqual([
      503,
      { statusCode: 503, message: 'Service Unavailable' },
    ]);
    const loginAttempt = await sample.client.post('/auth/login', {
      username: account.username,
      password: PASSWORD,
    });
    expect(loginAttempt.status).toBe(503);
    // Public routes that need no store still answer.
    expect((await sample.client.get('/health')).status).toBe(200);

    await redis.start();
    await expect
      .poll(async () => (await sample.client.get('/auth/me', account.auth)).status, {
        timeout: 10_000,
        interval: 100,
      })
      .toBe(200);
    await expect
      .poll(
        async () =>
          (
            await sample.client.post('/auth/login', {
              username: account.username,
              password: PASSWORD,
            })
          ).status,
        { timeout: 10_000, interval: 100 },
      )
      .toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { GENERIC_BODIES } from '../../test/support/http.js';
import { startRedisServer, type RedisServer } from '../../test/support/redis-server.js';
import { CredentialsService } from '../src/login/credentials.service.js';
import {
  login,
  newAccount,
  PASSWORD,
  postLogin,
  resetTokenFrom,
  startSample,
  type Account,
  type TestSample,
  uniqueName,
} from './support/sample-app.js';

const NEW_PASSWORD = 'a new passphrase after the outage';

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
    expect([me.status, me.body]).toEqual([503, GENERIC_BODIES[503]]);
    const loginAttempt = await postLogin(sample.client, account.username);
    expect(loginAttempt.status).toBe(503);
    // Public routes that need no store still answer.
    expect((await sample.client.get('/health')).status).toBe(200);

    await restartRedis(account);
    expect(await loginStatus(account, PASSWORD)).toBe(200);
  });
  /** Brings Redis back and waits until tokens are checked and logins counted again. */
  async function restartRedis(account: Account): Promise<void> {
    await redis.start();
    await expect
      .poll(async () => (await sample.client.get('/auth/me', account.auth)).status, {
        timeout: 10_000,
        interval: 100,
      })
      .toBe(200);
    // The login throttle counts again once it is back: an unknown user is refused with 401 (a
    // new name each time, so that the failures do not lock it).
    await expect
      .poll(
        async () =>
          (
            await sample.client.post('/auth/login', {
              username: uniqueName('nobody'),
              password: PASSWORD,
            })
          ).status,
        { timeout: 10_000, interval: 100 },
      )
      .toBe(401);
  }

  /** The status of a login of `account` with `password`. */
  async function loginStatus(account: Account, password: string): Promise<number> {
    return (await sample.client.post('/auth/login', { username: account.username, password }))
      .status;
  }

  it('changes nothing when a password change meets an outage, so a retry revokes the rest', async () => {
    const account = await newAccount(sample.client);
    const other = await login(sample.client, account.username);
    // Redis goes away once the caller is authenticated and its current password checked, when
    // the change itself starts.
    const credentials = sample.app.get(CredentialsService);
    const verify = credentials.verifyCurrentPassword.bind(credentials);
    const spy = vi
      .spyOn(credentials, 'verifyCurrentPassword')
      .mockImplementationOnce(async (...args) => {
        const record = await verify(...args);
        await redis.stop();
        return record;
      });
    const change = () =>
      sample.client.post(
        '/auth/password/change',
        { current_password: PASSWORD, new_password: NEW_PASSWORD },
        account.auth,
      );
    try {
      const failed = await change();
      expect([failed.status, failed.body]).toEqual([503, GENERIC_BODIES[503]]);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
      await restartRedis(account);
    }

    // The password did not change: the old one still logs in, the new one does not.
    expect(await loginStatus(account, PASSWORD)).toBe(200);
    expect(await loginStatus(account, NEW_PASSWORD)).toBe(401);
    expect((await sample.client.get('/auth/me', other.auth)).status).toBe(200);

    // Tried again, the change goes through and ends the other login.
    expect((await change()).status).toBe(204);
    expect((await sample.client.get('/auth/me', other.auth)).status).toBe(401);
    expect((await sample.client.get('/auth/me', account.auth)).status).toBe(200);
    expect(await loginStatus(account, PASSWORD)).toBe(401);
    expect(await loginStatus(account, NEW_PASSWORD)).toBe(200);
  });

  it('neither spends the token nor changes the password when a reset meets an outage', async () => {
    const account = await newAccount(sample.client);
    await sample.client.post('/auth/password-reset/request', {
      email: `${account.username}@example.com`,
    });
    const token = resetTokenFrom((await sample.outbox()).at(-1)!);
    const confirm = () =>
      sample.client.post('/auth/password-reset/confirm', { token, new_password: NEW_PASSWORD });

    await redis.stop();
    try {
      const failed = await confirm();
      expect([failed.status, failed.body]).toEqual([503, GENERIC_BODIES[503]]);
    } finally {
      await restartRedis(account);
    }

    // The password did not change, and the token still works.
    expect(await loginStatus(account, PASSWORD)).toBe(200);
    expect(await loginStatus(account, NEW_PASSWORD)).toBe(401);
    expect((await confirm()).status).toBe(204);
    expect((await sample.client.get('/auth/me', account.auth)).status).toBe(401);
    expect(await loginStatus(account, PASSWORD)).toBe(401);
    expect(await loginStatus(account, NEW_PASSWORD)).toBe(200);
  });
});

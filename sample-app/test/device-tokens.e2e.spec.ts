import { FakeClock } from 'nestjs-gatehouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import {
  newAccount,
  PASSWORD,
  postLogin,
  postSessionLogin,
  startSample,
  type TestSample,
} from './support/sample-app.js';

const DEVICE_COOKIE = '__Host-device';

/**
 * Login throttling with device tokens (sample-app-http.md, Extensions): strangers guessing a
 * password lock out only clients without a device token for the account; the owner's device
 * keeps its own budget. Six anonymous wrong attempts every 15 minutes used to keep the owner out
 * for good.
 */
describe.each(adapters)('sample app, login throttling with device tokens (%s)', (adapter) => {
  let sample: TestSample;
  const clock = new FakeClock(Date.parse('2026-06-01T08:00:00Z'));

  beforeAll(async () => {
    sample = await startSample({ httpAdapter: adapter, clock });
  });
  afterAll(() => sample.close());

  /** Six wrong guesses from a client that never logged in: the account is locked for strangers. */
  async function lockOutStrangers(username: string): Promise<void> {
    const stranger = sample.client.fresh();
    for (let i = 0; i < 5; i++) {
      expect(
        (await stranger.post('/auth/login', { username, password: `guess ${i}` })).status,
      ).toBe(401);
    }
    const locked = await postLogin(stranger, username);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('900');
  }

  it("a JWT client's device token survives a stranger's lockout", async () => {
    const account = await newAccount(sample.client);
    const first = await postLogin(sample.client, account.username);
    expect(first.body.device_token).toEqual(expect.any(String));
    await lockOutStrangers(account.username);

    const owner = await sample.client.fresh().post('/auth/login', {
      username: account.username,
      password: PASSWORD,
      device_token: first.body.device_token,
    });
    expect(owner.status).toBe(200);
    expect(owner.body).toMatchObject({ token_type: 'bearer', device_token: expect.any(String) });
    // The token answered at that login works as well.
    const next = await sample.client.fresh().post('/auth/login', {
      username: account.username,
      password: PASSWORD,
      device_token: owner.body.device_token,
    });
    expect(next.status).toBe(200);
    // Strangers are still locked out.
    const stranger = await postLogin(sample.client.fresh(), account.username);
    expect(stranger.status).toBe(429);
  });

  it("a browser's __Host-device cookie survives a stranger's lockout", async () => {
    const account = await newAccount(sample.client);
    const browser = sample.client.fresh();
    const first = await postSessionLogin(browser, account.username);
    expect(first.status).toBe(200);
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith(`${DEVICE_COOKIE}=`));
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\//i);
    await lockOutStrangers(account.username);

    const again = await postSessionLogin(browser, account.username);
    expect(again.status).toBe(200);
    expect((await browser.get('/auth/me')).body).toMatchObject({ auth: 'session' });
  });

  it('a device token has its own budget, and is useless for any other account', async () => {
    const [owner, other] = [await newAccount(sample.client), await newAccount(sample.client)];
    const login = (username: string, password: string, device_token?: string) =>
      sample.client.fresh().post('/auth/login', { username, password, device_token });
    const token = (await login(owner.username, PASSWORD)).body.device_token as string;

    await lockOutStrangers(other.username);
    expect((await login(other.username, PASSWORD, token)).status).toBe(429);

    for (let i = 0; i < 5; i++)
      expect((await login(owner.username, `typo ${i}`, token)).status).toBe(401);
    const spent = await login(owner.username, PASSWORD, token);
    expect([spent.status, spent.headers.get('retry-after')]).toEqual([429, '900']);
    // Only that token is spent: a client without one still has the account's budget.
    expect((await login(owner.username, PASSWORD)).status).toBe(200);
  });

  it('refuses a device_token that is not a string', async () => {
    const account = await newAccount(sample.client);
    for (const device_token of [5, ['x'], 'x'.repeat(1000)]) {
      const res = await sample.client.post('/auth/login', {
        username: account.username,
        password: PASSWORD,
        device_token,
      });
      expect(res.status).toBe(400);
    }
  });
});

import { FakeClock } from 'nestjs-gatehouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { BrowserClient, GENERIC_BODIES } from '../../test/support/http.js';
import {
  ADMIN,
  login,
  newAccount,
  PASSWORD,
  startSample,
  startSampleBehindProxy,
  type Account,
  type TestSample,
} from './support/sample-app.js';

const COOKIE = '__Host-sample.sid';

describe.each(adapters)('sample app, cookie sessions (%s)', (adapter) => {
  let sample: TestSample;
  const clock = new FakeClock(Date.parse('2026-05-01T12:00:00Z'));

  beforeAll(async () => {
    sample = await startSampleBehindProxy({ httpAdapter: adapter, clock, admin: ADMIN });
  });
  afterAll(() => sample.close());

  /** A browser-like client logged in with a session; returns it and its CSRF token. */
  async function sessionLogin(account: Account, browser = sample.client.fresh()) {
    const res = await browser.post(
      '/auth/session/login',
      { username: account.username, password: PASSWORD },
      { 'user-agent': 'test-browser/1.0' },
    );
    expect(res.status).toBe(200);
    return { browser, csrf: res.body.csrf_token as string, res };
  }

  it('POST /auth/session/login sets a HttpOnly, Secure, SameSite=Lax cookie and returns the CSRF token', async () => {
    const account = await newAccount(sample.client);
    const { browser, res } = await sessionLogin(account);
    expect(res.body).toEqual({
      id: account.id,
      username: account.username,
      csrf_token: expect.any(String),
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`))!;
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//i);
    const me = await browser.get('/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: account.id,
      auth: 'session',
      permissions: ['reports:read'],
    });
  });

  it('gives a new session id at every login; the old one stops working (fixation)', async () => {
    const account = await newAccount(sample.client);
    const { browser } = await sessionLogin(account);
    const before = browser.jar.get(COOKIE)!;
    await sessionLogin(account, browser);
    const after = browser.jar.get(COOKIE)!;
    expect(after).not.toBe(before);
    const stale = await sample.client.fresh().get('/auth/me', { cookie: `${COOKIE}=${before}` });
    expect([stale.status, stale.body]).toEqual([401, GENERIC_BODIES[401]]);
    expect((await browser.get('/auth/me')).status).toBe(200);
  });

  it('answers failed session logins like /auth/login', async () => {
    const account = await newAccount(sample.client);
    const wrong = await sample.client.fresh().post('/auth/session/login', {
      username: account.username,
      password: 'definitely not it',
    });
    const unknown = await sample.client.fresh().post('/auth/session/login', {
      username: 'never_registered_here',
      password: PASSWORD,
    });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        statusCode: 401,
        message: 'Invalid credentials',
        error: 'Unauthorized',
      });
      expect(res.headers.getSetCookie().filter((c) => c.startsWith(COOKIE))).toEqual([]);
    }
    for (let i = 0; i < 4; i++) {
      await sample.client.post('/auth/session/login', {
        username: account.username,
        password: `bad ${i}`,
      });
    }
    const locked = await sample.client.post('/auth/session/login', {
      username: account.username,
      password: PASSWORD,
    });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await sample.client.post('/auth/session/login', {})).status).toBe(400);
  });

  describe('CSRF', () => {
    it('refuses a cookie-authenticated write without X-CSRF-Token with 403, changing nothing', async () => {
      const account = await newAccount(sample.client, { roles: ['moderator'] });
      const { browser, csrf } = await sessionLogin(account);
      const before = (await browser.get('/reports')).body.length;

      const noToken = await browser.post('/reports', { title: 'csrf', body: 'x' });
      expect([noToken.status, noToken.body]).toEqual([403, GENERIC_BODIES[403]]);
      const wrongToken = await browser.post(
        '/reports',
        { title: 'csrf', body: 'x' },
        { 'x-csrf-token': `${csrf}x` },
      );
      expect(wrongToken.status).toBe(403);
      expect((await browser.get('/reports')).body).toHaveLength(before);

      const email = await browser.patch('/auth/me', { email: 'csrf-victim@example.com' });
      expect(email.status).toBe(403);
      expect((await browser.get('/auth/me')).body.email).toBe(`${account.username}@example.com`);

      const ok = await browser.post(
        '/reports',
        { title: 'csrf', body: 'x' },
        { 'x-csrf-token': csrf },
      );
      expect(ok.status).toBe(201);
      expect((await browser.get('/reports')).body).toHaveLength(before + 1);
    });

    it('refuses a cross-site write even with the token', async () => {
      const account = await newAccount(sample.client);
      const { browser, csrf } = await sessionLogin(account);
      const res = await browser.patch(
        '/auth/me',
        { email: 'cross@example.com' },
        { 'x-csrf-token': csrf, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      );
      expect(res.status).toBe(403);
    });

    it('does not apply to bearer tokens', async () => {
      const account = await newAccount(sample.client);
      const res = await sample.client.patch(
        '/auth/me',
        { email: `${account.username}+2@example.com`, current_password: PASSWORD },
        account.auth,
      );
      expect(res.status).toBe(202);
    });
  });

  it('POST /auth/session/logout destroys the session; replaying the cookie is anonymous', async () => {
    const account = await newAccount(sample.client);
    const { browser, csrf } = await sessionLogin(account);
    const cookie = browser.jar.get(COOKIE)!;
    expect((await browser.post('/auth/session/logout')).status).toBe(403);
    const res = await browser.post('/auth/session/logout', undefined, { 'x-csrf-token': csrf });
    expect(res.status).toBe(204);
    const replay = await sample.client.fresh().get('/auth/me', { cookie: `${COOKIE}=${cookie}` });
    expect([replay.status, replay.body]).toEqual([401, GENERIC_BODIES[401]]);
    // It is the session's own logout: a bearer token cannot call it.
    expect((await sample.client.post('/auth/session/logout', undefined, account.auth)).status).toBe(
      401,
    );
  });

  it('treats a tampered or unsigned cookie as anonymous', async () => {
    const account = await newAccount(sample.client);
    const { browser } = await sessionLogin(account);
    const cookie = browser.jar.get(COOKIE)!;
    const tampered = cookie.slice(0, -3) + (cookie.endsWith('AAA') ? 'BBB' : 'AAA');
    for (const value of [
      tampered,
      'made-up-session-id',
      's%3Aforged.signature',
      'x'.repeat(5000),
    ]) {
      const res = await sample.client.fresh().get('/auth/me', { cookie: `${COOKIE}=${value}` });
      expect([res.status, res.body]).toEqual([401, GENERIC_BODIES[401]]);
    }
  });

  describe('GET and DELETE /auth/sessions', () => {
    it('lists cookie sessions and JWT logins, marking the current one', async () => {
      const account = await newAccount(sample.client);
      clock.advance(1000);
      const { browser } = await sessionLogin(account);
      const viaSession = await browser.get('/auth/sessions');
      expect(viaSession.status).toBe(200);
      expect(viaSession.body).toHaveLength(2);
      const session = viaSession.body.find((s: { kind: string }) => s.kind === 'session');
      const refresh = viaSession.body.find((s: { kind: string }) => s.kind === 'refresh');
      expect(session).toEqual({
        id: expect.any(String),
        kind: 'session',
        created_at: expect.any(String),
        last_used_at: expect.any(String),
        user_agent: 'test-browser/1.0',
        ip: '127.0.0.1',
        current: true,
      });
      expect(refresh).toMatchObject({ kind: 'refresh', current: false, ip: '127.0.0.1' });
      // Nothing secret in the list: not the cookie, not a token.
      const text = JSON.stringify(viaSession.body);
      expect(text).not.toContain(browser.jar.get(COOKIE)!.split('.')[0]!.replace(/^s%3A/, ''));
      expect(text).not.toContain(account.refresh);

      const viaToken = await sample.client.get('/auth/sessions', account.auth);
      expect(viaToken.body.find((s: { kind: string }) => s.kind === 'refresh').current).toBe(true);
      expect(viaToken.body.find((s: { kind: string }) => s.kind === 'session').current).toBe(false);
    });

    it('ends a JWT login or a cookie session by id; 404 for unknown or foreign ids', async () => {
      const account = await newAccount(sample.client);
      const other = await newAccount(sample.client);
      const { browser } = await sessionLogin(account);
      const second = await login(sample.client, account.username);
      const list = (await sample.client.get('/auth/sessions', second.auth)).body;
      const firstLogin = list.find(
        (s: { kind: string; current: boolean }) => s.kind === 'refresh' && !s.current,
      );
      const session = list.find((s: { kind: string }) => s.kind === 'session');

      expect(
        (await sample.client.delete(`/auth/sessions/${firstLogin.id}`, other.auth)).status,
      ).toBe(404);
      expect((await sample.client.delete(`/auth/sessions/${session.id}`, other.auth)).status).toBe(
        404,
      );
      expect((await sample.client.delete('/auth/sessions/unknown-id', second.auth)).status).toBe(
        404,
      );
      expect((await sample.client.delete('/auth/sessions/bad%20id!', second.auth)).status).toBe(
        404,
      );
      expect((await sample.client.get('/auth/me', account.auth)).status).toBe(200);

      expect(
        (await sample.client.delete(`/auth/sessions/${firstLogin.id}`, second.auth)).status,
      ).toBe(204);
      expect((await sample.client.get('/auth/me', account.auth)).status).toBe(401);
      expect(
        (await sample.client.post('/auth/refresh', { refresh_token: account.refresh })).status,
      ).toBe(401);

      expect((await sample.client.delete(`/auth/sessions/${session.id}`, second.auth)).status).toBe(
        204,
      );
      expect((await browser.get('/auth/me')).status).toBe(401);
      expect((await sample.client.get('/auth/me', second.auth)).status).toBe(200);
      expect((await sample.client.get('/auth/sessions', second.auth)).body).toHaveLength(1);
    });

    it('answers 401 anonymously', async () => {
      expect((await sample.client.get('/auth/sessions')).status).toBe(401);
      expect((await sample.client.delete('/auth/sessions/x')).status).toBe(401);
    });
  });

  it('POST /auth/logout-all from a session ends every session and token', async () => {
    const account = await newAccount(sample.client);
    const { browser, csrf } = await sessionLogin(account);
    const { browser: other } = await sessionLogin(account);
    const res = await browser.post('/auth/logout-all', undefined, { 'x-csrf-token': csrf });
    expect(res.status).toBe(204);
    expect((await browser.get('/auth/me')).status).toBe(401);
    expect((await other.get('/auth/me')).status).toBe(401);
    expect((await sample.client.get('/auth/me', account.auth)).status).toBe(401);
  });

  it('a password change ends every cookie session; disabling ends them too', async () => {
    const account = await newAccount(sample.client);
    const { browser } = await sessionLogin(account);
    const res = await sample.client.post(
      '/auth/password/change',
      { current_password: PASSWORD, new_password: 'another fine passphrase' },
      account.auth,
    );
    expect(res.status).toBe(204);
    expect((await browser.get('/auth/me')).status).toBe(401);
    expect((await sample.client.get('/auth/me', account.auth)).status).toBe(200);

    const victim = await newAccount(sample.client);
    const { browser: victimBrowser } = await sessionLogin(victim);
    const admin = await login(sample.client, ADMIN.username, ADMIN.password);
    await sample.client.patch(`/admin/users/${victim.id}`, { disabled: true }, admin.auth);
    expect((await victimBrowser.get('/auth/me')).status).toBe(401);
  });

  it('a session cannot create API keys (a JWT-only route)', async () => {
    const account = await newAccount(sample.client);
    const { browser, csrf } = await sessionLogin(account);
    const create = await browser.post('/api-keys', { name: 'k' }, { 'x-csrf-token': csrf });
    expect([create.status, create.body]).toEqual([401, GENERIC_BODIES[401]]);
  });

  it('a session changes the password only within 5 minutes of its login, and stays logged in', async () => {
    const account = await newAccount(sample.client);
    const body = { current_password: PASSWORD, new_password: 'another fine passphrase' };
    const stale = await sessionLogin(account);
    clock.advance(5 * 60_000 + 1000);
    const late = await stale.browser.post('/auth/password/change', body, {
      'x-csrf-token': stale.csrf,
    });
    expect([late.status, late.body]).toEqual([403, GENERIC_BODIES[403]]);
    await login(sample.client, account.username, PASSWORD);

    const { browser, csrf } = await sessionLogin(account);
    const change = await browser.post('/auth/password/change', body, { 'x-csrf-token': csrf });
    expect(change.status).toBe(204);
    // This session stays; the other session and the JWT logins end.
    expect((await browser.get('/auth/me')).status).toBe(200);
    expect((await stale.browser.get('/auth/me')).status).toBe(401);
    expect((await sample.client.get('/auth/me', account.auth)).status).toBe(401);
    expect((await browser.get('/auth/sessions')).body).toHaveLength(1);
    await login(sample.client, account.username, 'another fine passphrase');
  });
});

// The client used for sessions must not be the shared one: give BrowserClient a quick sanity check.
describe('BrowserClient cookie jar', () => {
  it('keeps cookies per client', () => {
    const a = new BrowserClient('http://127.0.0.1:1');
    expect(a.fresh().jar.size).toBe(0);
  });
});

describe('SESSION_COOKIE_SECURE=false (plain-HTTP development)', () => {
  it.each(adapters)('sets a non-Secure sample.sid cookie over plain HTTP (%s)', async (adapter) => {
    const sample = await startSample({ httpAdapter: adapter, sessionCookieSecure: false });
    try {
      const account = await newAccount(sample.client);
      const browser = sample.client.fresh();
      const res = await browser.post('/auth/session/login', {
        username: account.username,
        password: PASSWORD,
      });
      expect(res.status).toBe(200);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sample.sid='))!;
      expect(cookie).toMatch(/; HttpOnly/i);
      expect(cookie).not.toMatch(/; Secure/i);
      expect((await browser.get('/auth/me')).body.auth).toBe('session');
    } finally {
      await sample.close();
    }
  });
});

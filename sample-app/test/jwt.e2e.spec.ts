import { FakeClock } from 'nestjs-gatehouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { bearer, GENERIC_BODIES } from '../../test/support/http.js';
import { claimsOf, forge, part } from '../../test/support/jwt-forge.js';
import {
  ADMIN,
  login,
  mailTokenFrom,
  newAccount,
  PASSWORD,
  postLogin,
  startSample,
  TEST_SECRET,
  uniqueName,
  type TestSample,
} from './support/sample-app.js';

const INVALID = { statusCode: 401, message: 'Invalid credentials', error: 'Unauthorized' };

describe.each(adapters)('sample app, accounts and tokens (%s)', (adapter) => {
  let sample: TestSample;
  const clock = new FakeClock(Date.parse('2026-03-01T10:00:00Z'));

  beforeAll(async () => {
    sample = await startSample({ httpAdapter: adapter, clock, admin: ADMIN });
  });
  afterAll(() => sample.close());

  describe('POST /auth/login', () => {
    it('answers a fresh token pair with Cache-Control: no-store', async () => {
      const username = uniqueName();
      await sample.client.post('/auth/register', {
        username,
        email: `${username}@example.com`,
        password: PASSWORD,
      });
      const res = await postLogin(sample.client, username);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      // device_token: sample-app-http.md, Extensions (version 2), login throttling.
      expect(res.body).toEqual({
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        token_type: 'bearer',
        expires_in: 900,
        device_token: expect.any(String),
      });
      const claims = claimsOf(res.body.access_token);
      expect(claims).toMatchObject({ iss: 'sample-app', aud: 'sample-app', fresh: true, username });
      expect(claims.exp).toBe((claims.iat as number) + 900);
    });

    it('answers the same 401 for an unknown user, a wrong password and a disabled account', async () => {
      const victim = await newAccount(sample.client);
      const admin = await login(sample.client, ADMIN.username, ADMIN.password);
      const disabled = await newAccount(sample.client);
      await sample.client.patch(`/admin/users/${disabled.id}`, { disabled: true }, admin.auth);

      const unknown = await sample.client.post('/auth/login', {
        username: 'no_such_user_anywhere',
        password: PASSWORD,
      });
      const wrong = await sample.client.post('/auth/login', {
        username: victim.username,
        password: 'not the password at all',
      });
      const off = await sample.client.post('/auth/login', {
        username: disabled.username,
        password: PASSWORD,
      });
      for (const res of [unknown, wrong, off]) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual(INVALID);
      }
      expect(
        new Set([unknown, wrong, off].map((r) => JSON.stringify([...r.headers.keys()]))).size,
      ).toBe(1);
    });

    it('answers 400 for a malformed body, before any password check', async () => {
      for (const body of [
        {},
        { username: 'x' },
        { username: 'x', password: 5 },
        { username: 'x', password: 'p'.repeat(257) },
      ]) {
        const res = await sample.client.post('/auth/login', body);
        expect(res.status).toBe(400);
      }
    });

    it('locks an account after LOGIN_MAX_ATTEMPTS failures: 429 with Retry-After, even with the right password', async () => {
      const account = await newAccount(sample.client);
      for (let i = 0; i < 5; i++) {
        const res = await sample.client.post('/auth/login', {
          username: account.username,
          password: `wrong guess ${i}`,
        });
        expect(res.status).toBe(401);
      }
      const locked = await postLogin(sample.client, account.username);
      expect(locked.status).toBe(429);
      expect(locked.headers.get('retry-after')).toBe('900');
      expect(locked.body).toEqual({
        statusCode: 429,
        message: 'Too many failed logins, try again later',
        error: 'Too Many Requests',
      });
      // The username's case does not get around it; other accounts are not affected.
      const upper = await postLogin(sample.client, account.username.toUpperCase());
      expect(upper.status).toBe(429);
      await login(sample.client, ADMIN.username, ADMIN.password);
      // After the lockout period the right password works again.
      clock.advance(900_000);
      expect((await postLogin(sample.client, account.username)).status).toBe(200);
    });

    it('a burst of parallel guesses gets no more than LOGIN_MAX_ATTEMPTS passwords checked', async () => {
      const account = await newAccount(sample.client);
      const guesses = Array.from({ length: 16 }, (_, i) => `wrong guess ${i}`);
      const answers = await Promise.all(
        guesses.map((password) =>
          sample.client.post('/auth/login', { username: account.username, password }),
        ),
      );
      const statuses = answers.map((res) => res.status);
      // Every attempt is counted before its password is hashed: 5 go ahead, 11 get 429.
      expect(statuses.filter((status) => status === 429)).toHaveLength(11);
      expect(statuses.filter((status) => status === 401)).toHaveLength(5);
      // And the right password, right after, is locked out too.
      expect((await postLogin(sample.client, account.username)).status).toBe(429);
    });

    it('locks unknown usernames the same way, so a 429 does not reveal an account', async () => {
      const ghost = uniqueName('ghost');
      for (let i = 0; i < 5; i++) {
        await sample.client.post('/auth/login', { username: ghost, password: `guess ${i}` });
      }
      const res = await sample.client.post('/auth/login', { username: ghost, password: 'guess' });
      expect(res.status).toBe(429);
    });
  });

  describe('GET and PATCH /auth/me', () => {
    it('shows the caller, their permissions and the backend', async () => {
      const account = await newAccount(sample.client);
      const res = await sample.client.get('/auth/me', account.auth);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: account.id,
        username: account.username,
        email: `${account.username}@example.com`,
        roles: ['user'],
        permissions: ['reports:read'],
        auth: 'jwt',
      });
    });

    it('changes the email, once confirmed, and ignores roles and other fields', async () => {
      const account = await newAccount(sample.client);
      const asked = await sample.client.patch(
        '/auth/me',
        {
          email: 'New.Address@Example.com',
          current_password: PASSWORD,
          roles: ['admin'],
          username: 'hijack',
          disabled: true,
        },
        account.auth,
      );
      expect([asked.status, asked.body]).toEqual([
        202,
        { pending_email: 'new.address@example.com' },
      ]);
      // The confirmation to the new address, then the notice to the old one.
      const token = mailTokenFrom((await sample.outbox()).at(-2)!);
      const res = await sample.client.post('/auth/email/confirm', { token });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: account.id,
        username: account.username,
        email: 'new.address@example.com',
        roles: ['user'],
      });
      const me = await sample.client.get('/auth/me', account.auth);
      expect(me.body.roles).toEqual(['user']);
      expect(me.body.email).toBe('new.address@example.com');
      expect(me.body.permissions).toEqual(['reports:read']);
    });

    it('answers 400 for a bad email, 409 for a taken one, 401 without a token', async () => {
      const account = await newAccount(sample.client);
      const current_password = PASSWORD;
      expect(
        (await sample.client.patch('/auth/me', { email: 'nope', current_password }, account.auth))
          .status,
      ).toBe(400);
      expect((await sample.client.patch('/auth/me', {}, account.auth)).status).toBe(400);
      expect(
        (
          await sample.client.patch(
            '/auth/me',
            { email: ADMIN.email, current_password },
            account.auth,
          )
        ).status,
      ).toBe(409);
      const anonymous = await sample.client.patch('/auth/me', {
        email: 'a@example.com',
        current_password,
      });
      expect([anonymous.status, anonymous.body]).toEqual([401, GENERIC_BODIES[401]]);
    });

    it.each([
      ['a garbage token', 'Bearer not.a.token'],
      [
        'a token signed with another secret',
        `Bearer ${forged({ secret: 'another-secret-0123456789-abcdefghijklmnop' })}`,
      ],
      ['an alg:none token', `Bearer ${forged({ alg: 'none' })}`],
      ['an expired token', `Bearer ${forged({ exp: 1 })}`],
      ['a token for another audience', `Bearer ${forged({ aud: 'someone-else' })}`],
      ['a wrong scheme', 'Basic dXNlcjpwYXNz'],
    ])('answers the generic 401 for %s', async (_what, authorization) => {
      const res = await sample.client.get('/auth/me', { authorization });
      expect([res.status, res.body]).toEqual([401, GENERIC_BODIES[401]]);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates: a new pair whose access token is not fresh; the old refresh token is spent', async () => {
      const account = await newAccount(sample.client);
      const res = await sample.client.post('/auth/refresh', { refresh_token: account.refresh });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body.token_type).toBe('bearer');
      expect(res.body.refresh_token).not.toBe(account.refresh);
      expect(claimsOf(res.body.access_token).fresh).toBeUndefined();
      const me = await sample.client.get('/auth/me', {
        authorization: `Bearer ${res.body.access_token}`,
      });
      expect(me.status).toBe(200);
    });

    it('revokes the whole family when a rotated refresh token is reused', async () => {
      const account = await newAccount(sample.client);
      const first = await sample.client.post('/auth/refresh', { refresh_token: account.refresh });
      expect(first.status).toBe(200);
      const replay = await sample.client.post('/auth/refresh', { refresh_token: account.refresh });
      expect([replay.status, replay.body]).toEqual([401, GENERIC_BODIES[401]]);
      // The pair issued by the legitimate refresh died with the family, and so did the login's.
      const next = await sample.client.post('/auth/refresh', {
        refresh_token: first.body.refresh_token,
      });
      expect(next.status).toBe(401);
      expect(
        (
          await sample.client.get('/auth/me', {
            authorization: `Bearer ${first.body.access_token}`,
          })
        ).status,
      ).toBe(401);
      expect((await sample.client.get('/auth/me', account.auth)).status).toBe(401);
    });

    it('refuses an access token as a refresh token, and garbage', async () => {
      const account = await newAccount(sample.client);
      expect(
        (await sample.client.post('/auth/refresh', { refresh_token: account.access })).status,
      ).toBe(401);
      expect((await sample.client.post('/auth/refresh', { refresh_token: 'x.y.z' })).status).toBe(
        401,
      );
      expect((await sample.client.post('/auth/refresh', {})).status).toBe(400);
    });

    it('refuses a refresh token as an access token', async () => {
      const account = await newAccount(sample.client);
      const res = await sample.client.get('/auth/me', {
        authorization: `Bearer ${account.refresh}`,
      });
      expect(res.status).toBe(401);
    });
  });

  describe('logout', () => {
    it('POST /auth/logout revokes the access token and the login refresh family', async () => {
      const account = await newAccount(sample.client);
      const other = await login(sample.client, account.username);
      const res = await sample.client.post(
        '/auth/logout',
        { refresh_token: account.refresh },
        account.auth,
      );
      expect(res.status).toBe(204);
      expect((await sample.client.get('/auth/me', account.auth)).status).toBe(401);
      expect(
        (await sample.client.post('/auth/refresh', { refresh_token: account.refresh })).status,
      ).toBe(401);
      // Another login of the same user is untouched.
      expect((await sample.client.get('/auth/me', other.auth)).status).toBe(200);
      expect((await sample.client.post('/auth/logout', {}, account.auth)).status).toBe(401);
    });

    it('POST /auth/logout without a refresh token still ends the login', async () => {
      const account = await newAccount(sample.client);
      expect((await sample.client.post('/auth/logout', undefined, account.auth)).status).toBe(204);
      expect(
        (await sample.client.post('/auth/refresh', { refresh_token: account.refresh })).status,
      ).toBe(401);
    });

    it('POST /auth/logout-all revokes every token of the user', async () => {
      const account = await newAccount(sample.client);
      const second = await login(sample.client, account.username);
      const res = await sample.client.post('/auth/logout-all', undefined, second.auth);
      expect(res.status).toBe(204);
      for (const token of [account, second]) {
        expect((await sample.client.get('/auth/me', token.auth)).status).toBe(401);
        expect(
          (await sample.client.post('/auth/refresh', { refresh_token: token.refresh })).status,
        ).toBe(401);
      }
      // A new login works.
      clock.advance(1000);
      const again = await login(sample.client, account.username);
      expect((await sample.client.get('/auth/me', again.auth)).status).toBe(200);
    });

    it('answers 401 without a token', async () => {
      expect((await sample.client.post('/auth/logout')).status).toBe(401);
      expect((await sample.client.post('/auth/logout-all')).status).toBe(401);
    });
  });

  describe('POST /auth/password/change', () => {
    it('needs a fresh token: a refreshed one gets 403', async () => {
      const account = await newAccount(sample.client);
      const refreshed = await sample.client.post('/auth/refresh', {
        refresh_token: account.refresh,
      });
      const res = await sample.client.post(
        '/auth/password/change',
        { current_password: PASSWORD, new_password: 'a completely new passphrase' },
        bearer(refreshed.body.access_token),
      );
      expect([res.status, res.body]).toEqual([403, GENERIC_BODIES[403]]);
    });

    it('changes the password and revokes every other login, keeping this one', async () => {
      const account = await newAccount(sample.client);
      clock.advance(2000);
      const current = await login(sample.client, account.username);
      clock.advance(2000);
      const later = await login(sample.client, account.username);
      const res = await sample.client.post(
        '/auth/password/change',
        { current_password: PASSWORD, new_password: 'a completely new passphrase' },
        current.auth,
      );
      expect(res.status).toBe(204);
      expect((await sample.client.get('/auth/me', current.auth)).status).toBe(200);
      expect((await sample.client.get('/auth/me', account.auth)).status).toBe(401);
      expect((await sample.client.get('/auth/me', later.auth)).status).toBe(401);
      expect(
        (await sample.client.post('/auth/refresh', { refresh_token: later.refresh })).status,
      ).toBe(401);
      expect((await postLogin(sample.client, account.username)).status).toBe(401);
      await login(sample.client, account.username, 'a completely new passphrase');
    });

    it('answers 401 for a wrong current password and 400 for a refused new one', async () => {
      const account = await newAccount(sample.client);
      const wrong = await sample.client.post(
        '/auth/password/change',
        { current_password: 'not my password', new_password: 'a completely new passphrase' },
        account.auth,
      );
      expect([wrong.status, wrong.body]).toEqual([401, INVALID]);
      const weak = await sample.client.post(
        '/auth/password/change',
        { current_password: PASSWORD, new_password: 'password' },
        account.auth,
      );
      expect(weak.status).toBe(400);
      const missing = await sample.client.post(
        '/auth/password/change',
        { current_password: PASSWORD },
        account.auth,
      );
      expect(missing.status).toBe(400);
      // Nothing changed.
      await login(sample.client, account.username, PASSWORD);
    });
  });

  describe('password reset revokes every login', () => {
    it('confirm ends every token of the user, and the new password works', async () => {
      const account = await newAccount(sample.client);
      await sample.client.post('/auth/password-reset/request', {
        email: `${account.username}@example.com`,
      });
      const mail = (await sample.outbox()).at(-1)!;
      const token = /^([A-Za-z0-9_-]{43})$/m.exec(mail.replace(/=\r?\n/g, ''))![1]!;
      clock.advance(1000);
      const res = await sample.client.post('/auth/password-reset/confirm', {
        token,
        new_password: 'reset to this passphrase',
      });
      expect(res.status).toBe(204);
      expect((await sample.client.get('/auth/me', account.auth)).status).toBe(401);
      expect(
        (await sample.client.post('/auth/refresh', { refresh_token: account.refresh })).status,
      ).toBe(401);
      // The library's cut-off covers tokens whose iat (whole seconds) is not after it.
      clock.advance(1000);
      await login(sample.client, account.username, 'reset to this passphrase');
    });
  });

  it('GET /.well-known/jwks.json is an empty key set under HS256', async () => {
    const res = await sample.client.get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ keys: [] });
  });
});

/** A JWT signed with HS256 (or, for alg none, not at all) by the test, to probe the verification. */
function forged(options: { secret?: string; alg?: string; exp?: number; aud?: string }): string {
  const now = Math.floor(Date.parse('2026-03-01T10:00:00Z') / 1000);
  const header = { alg: options.alg ?? 'HS256', typ: 'at+jwt' };
  const payload = {
    sub: 'someone',
    iss: 'sample-app',
    aud: options.aud ?? 'sample-app',
    iat: now,
    nbf: now,
    exp: options.exp ?? now + 600,
    jti: 'forged-token-id-0123456789',
  };
  if (options.alg === 'none') return `${part(header)}.${part(payload)}.`;
  return forge(header, payload, 'HS256', options.secret ?? TEST_SECRET);
}

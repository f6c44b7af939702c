import { TokenService } from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { bearer, GENERIC_BODIES, type HeaderMap } from '../../test/support/http.js';
import {
  ADMIN,
  login,
  newAccount,
  PASSWORD,
  startSample,
  type Account,
  type TestSample,
} from './support/sample-app.js';

/** The account-management routes; `:login` and `:key` are filled in per test. */
const ACCOUNT_ROUTES: readonly (readonly [string, string, object?])[] = [
  ['POST', '/auth/logout-all'],
  ['GET', '/auth/sessions'],
  ['DELETE', '/auth/sessions/:login'],
  ['GET', '/api-keys'],
  ['DELETE', '/api-keys/:key'],
  ['PATCH', '/auth/me', { email: 'script@evil.example', current_password: PASSWORD }],
  [
    'POST',
    '/auth/password/change',
    { current_password: PASSWORD, new_password: 'chosen by a script', keep_api_keys: true },
  ],
];

describe.each(adapters)('sample app, account management needs a person (%s)', (adapter) => {
  let sample: TestSample;
  const clock = new FakeClock(Date.parse('2026-07-01T09:00:00Z'));

  beforeAll(async () => {
    sample = await startSample({ httpAdapter: adapter, clock, admin: ADMIN });
  });
  afterAll(() => sample.close());

  const newKey = async (account: Account, body: object) => {
    const res = await sample.client.post('/api-keys', body, account.auth);
    expect(res.status).toBe(201);
    return res.body as { id: string; key: string };
  };

  /** The credentials a script would hold, each made fresh for `account`. */
  const scriptCredentials: Record<string, (account: Account) => Promise<HeaderMap>> = {
    'an unscoped API key': async (account) => ({
      'x-api-key': (await newKey(account, { name: 'ci' })).key,
    }),
    'an API key scoped to reports:read': async (account) => ({
      'x-api-key': (await newKey(account, { name: 'ro', scopes: ['reports:read'] })).key,
    }),
    // A token the app itself issued, fresh from a login, but narrowed by scopes.
    'a fresh JWT scoped to reports:read': async (account) => {
      const pair = await sample.app
        .get(TokenService)
        .issuePair(account.id, { scopes: ['reports:read'] });
      return bearer(pair.access_token);
    },
  };

  it.each(Object.keys(scriptCredentials))(
    '%s gets 403 on every account-management route, and nothing changes',
    async (kind) => {
      const account = await newAccount(sample.client);
      const other = await newKey(account, { name: 'the owner’s other key' });
      const credential = await scriptCredentials[kind]!(account);
      const logins = (await sample.client.get('/auth/sessions', account.auth)).body as {
        id: string;
      }[];
      const mailsBefore = (await sample.outbox()).length;

      for (const [method, template, json] of ACCOUNT_ROUTES) {
        const path = template.replace(':login', logins[0]!.id).replace(':key', other.id);
        const res = await sample.client.send(path, { method, json, headers: credential });
        expect([method, path, res.status, res.body]).toEqual([
          method,
          path,
          403,
          GENERIC_BODIES[403],
        ]);
      }

      // The owner is still logged in, the other key works, the email and password are as they were.
      const me = await sample.client.get('/auth/me', account.auth);
      expect([me.status, me.body.email]).toEqual([200, `${account.username}@example.com`]);
      expect((await sample.client.get('/auth/sessions', account.auth)).body).toHaveLength(1);
      expect((await sample.client.get('/reports', { 'x-api-key': other.key })).status).toBe(200);
      await login(sample.client, account.username, PASSWORD);
      expect(await sample.outbox()).toHaveLength(mailsBefore);
      // Where a script may act, the credential still works.
      expect((await sample.client.get('/reports', credential)).status).toBe(200);
      expect((await sample.client.get('/auth/me', credential)).status).toBe(200);
    },
  );

  it('a refusal is audited with the reason and what the credential was', async () => {
    const account = await newAccount(sample.client);
    const key = { 'x-api-key': (await newKey(account, { name: 'ci' })).key };
    const scoped = await scriptCredentials['a fresh JWT scoped to reports:read']!(account);
    expect((await sample.client.get('/auth/sessions', key)).status).toBe(403);
    expect((await sample.client.get('/api-keys', scoped)).status).toBe(403);
    const admin = await login(sample.client, ADMIN.username, ADMIN.password);
    const audit = await sample.client.get(
      `/admin/audit?type=permission_denied&user_id=${account.id}`,
      admin.auth,
    );
    expect(audit.body).toEqual([
      expect.objectContaining({
        backend: 'jwt',
        reason: 'PERMISSION_MISSING',
        detail: expect.stringMatching(/scopes/),
        method: 'GET',
        path: '/api-keys',
      }),
      expect.objectContaining({
        backend: 'apikey',
        reason: 'BACKEND_NOT_ALLOWED',
        detail: expect.stringMatching(/apikey/),
        method: 'GET',
        path: '/auth/sessions',
      }),
    ]);
  });
});

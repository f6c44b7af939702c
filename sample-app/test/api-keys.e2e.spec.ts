import { FakeClock } from 'nestjs-gatehouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { bearer, GENERIC_BODIES } from '../../test/support/http.js';
import {
  ADMIN,
  login,
  newAccount,
  PASSWORD,
  resetTokenFrom,
  startSample,
  type Account,
  type TestSample,
} from './support/sample-app.js';
import { secretOf } from '../../test/support/api-keys.js';

describe.each(adapters)('sample app, API keys (%s)', (adapter) => {
  let sample: TestSample;
  let moderator: Account;
  const clock = new FakeClock(Date.parse('2026-06-01T09:00:00Z'));

  beforeAll(async () => {
    sample = await startSample({ httpAdapter: adapter, clock, admin: ADMIN });
    moderator = await newAccount(sample.client, { roles: ['moderator'] });
  });
  afterAll(() => sample.close());

  const create = (account: Account, body: object) =>
    sample.client.post('/api-keys', body, account.auth);

  it('POST /api-keys returns the key once; it authenticates as its owner', async () => {
    const res = await create(moderator, { name: 'CI' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'CI',
      key: expect.stringMatching(/^sample_[A-Za-z0-9]+_[A-Za-z0-9_-]+$/),
      prefix: 'sample',
      scopes: null,
      created_at: '2026-06-01T09:00:00.000Z',
      expires_at: null,
    });
    const me = await sample.client.get('/auth/me', { 'x-api-key': res.body.key });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: moderator.id,
      auth: 'apikey',
      permissions: ['reports:read', 'reports:write'],
    });
    const list = await sample.client.get('/api-keys', moderator.auth);
    expect(list.status).toBe(200);
    const listed = list.body.find((k: { id: string }) => k.id === res.body.id);
    expect(listed).toEqual({
      id: res.body.id,
      name: 'CI',
      prefix: 'sample',
      scopes: null,
      created_at: '2026-06-01T09:00:00.000Z',
      expires_at: null,
      last_used_at: '2026-06-01T09:00:00.000Z',
    });
    expect(JSON.stringify(list.body)).not.toContain(secretOf(res.body.key));
  });

  it('a scoped key is narrowed to its scopes', async () => {
    const res = await create(moderator, { name: 'read only', scopes: ['reports:read'] });
    expect(res.status).toBe(201);
    expect(res.body.scopes).toEqual(['reports:read']);
    const key = { 'x-api-key': res.body.key };
    expect((await sample.client.get('/auth/me', key)).body.permissions).toEqual(['reports:read']);
    expect((await sample.client.get('/reports', key)).status).toBe(200);
    const write = await sample.client.post('/reports', { title: 't', body: 'b' }, key);
    expect([write.status, write.body]).toEqual([403, GENERIC_BODIES[403]]);
    // The owner's own token still writes.
    expect(
      (await sample.client.post('/reports', { title: 't', body: 'b' }, moderator.auth)).status,
    ).toBe(201);
  });

  it('a key cannot change the account email (where password resets go), scoped or not', async () => {
    const res = await create(moderator, { name: 'read only', scopes: ['reports:read'] });
    const key = { 'x-api-key': res.body.key };
    const before = (await sample.client.get('/auth/me', moderator.auth)).body.email;
    const patch = await sample.client.patch('/auth/me', { email: 'attacker@evil.example' }, key);
    expect([patch.status, patch.body]).toEqual([403, GENERIC_BODIES[403]]);
    expect((await sample.client.get('/auth/me', moderator.auth)).body.email).toBe(before);
    // An unscoped key acts as its owner, but account management needs a person.
    const full = await create(moderator, { name: 'full' });
    const changed = await sample.client.patch(
      '/auth/me',
      { email: `${moderator.username}-2@example.com`, current_password: PASSWORD },
      { 'x-api-key': full.body.key },
    );
    expect([changed.status, changed.body]).toEqual([403, GENERIC_BODIES[403]]);
    expect((await sample.client.get('/auth/me', moderator.auth)).body.email).toBe(before);
  });

  it('DELETE /api-keys/:id stops the key at once; 404 for unknown or foreign keys', async () => {
    const res = await create(moderator, { name: 'to revoke' });
    const key = { 'x-api-key': res.body.key };
    expect((await sample.client.get('/reports', key)).status).toBe(200);
    const stranger = await newAccount(sample.client);
    expect((await sample.client.delete(`/api-keys/${res.body.id}`, stranger.auth)).status).toBe(
      404,
    );
    expect((await sample.client.get('/reports', key)).status).toBe(200);
    expect((await sample.client.delete(`/api-keys/${res.body.id}`, moderator.auth)).status).toBe(
      204,
    );
    const after = await sample.client.get('/reports', key);
    expect([after.status, after.body]).toEqual([401, GENERIC_BODIES[401]]);
    expect((await sample.client.delete(`/api-keys/${res.body.id}`, moderator.auth)).status).toBe(
      404,
    );
    expect((await sample.client.delete('/api-keys/nope!', moderator.auth)).status).toBe(404);
    expect(
      (await sample.client.get('/api-keys', moderator.auth)).body.map((k: { id: string }) => k.id),
    ).not.toContain(res.body.id);
  });

  it('a key expires after expires_in_days', async () => {
    const res = await create(moderator, { name: 'short', expires_in_days: 1 });
    expect(res.body.expires_at).toBe(new Date(clock.now() + 86_400_000).toISOString());
    const key = { 'x-api-key': res.body.key };
    expect((await sample.client.get('/auth/me', key)).status).toBe(200);
    clock.advance(86_400_000);
    expect((await sample.client.get('/auth/me', key)).status).toBe(401);
    expect(
      (
        await sample.client.delete(
          `/api-keys/${res.body.id}`,
          (moderator = await login(sample.client, moderator.username)).auth,
        )
      ).status,
    ).toBe(404);
  });

  it('creating a key needs a fresh JWT: a refreshed token gets 403, a key or a session 401', async () => {
    const account = await newAccount(sample.client);
    const refreshed = await sample.client.post('/auth/refresh', { refresh_token: account.refresh });
    const stale = await sample.client.post(
      '/api-keys',
      { name: 'x' },
      bearer(refreshed.body.access_token),
    );
    expect([stale.status, stale.body]).toEqual([403, GENERIC_BODIES[403]]);
    const key = (await create(account, { name: 'k' })).body.key;
    expect(
      (await sample.client.post('/api-keys', { name: 'x' }, { 'x-api-key': key })).status,
    ).toBe(401);
    expect((await sample.client.post('/api-keys', { name: 'x' })).status).toBe(401);
  });

  it('answers 400 for invalid input', async () => {
    for (const body of [
      {},
      { name: '' },
      { name: 'x'.repeat(101) },
      { name: 'x', scopes: 'reports:read' },
      { name: 'x', scopes: ['reports:fly'] },
      { name: 'x', scopes: ['users:manage'] },
      { name: 'x', expires_in_days: 0 },
      { name: 'x', expires_in_days: 366 },
      { name: 'x', expires_in_days: 1.5 },
    ]) {
      expect([body, (await create(moderator, body)).status]).toEqual([body, 400]);
    }
  });

  it('refuses malformed and forged keys with the generic 401', async () => {
    const good = (await create(moderator, { name: 'probe' })).body.key as string;
    // The secret is base64url, so it may itself contain '_'.
    const [, prefix, id, secret] = /^([^_]+)_([^_]+)_(.+)$/.exec(good)!;
    for (const value of [
      '',
      'garbage',
      `other_${id}_${secret}`,
      `${prefix}_${id}_${secret!.slice(0, -1)}${secret!.endsWith('x') ? 'y' : 'x'}`,
      `${prefix}_ffffffffffffffff_${secret}`,
      'k'.repeat(5000),
    ]) {
      const res = await sample.client.get('/auth/me', { 'x-api-key': value });
      expect([value.slice(0, 20), res.status, res.body]).toEqual([
        value.slice(0, 20),
        401,
        GENERIC_BODIES[401],
      ]);
    }
  });

  it('keys of a disabled user stop working, and are revoked', async () => {
    const account = await newAccount(sample.client);
    const key = { 'x-api-key': (await create(account, { name: 'doomed' })).body.key };
    expect((await sample.client.get('/auth/me', key)).status).toBe(200);
    const admin = await login(sample.client, ADMIN.username, ADMIN.password);
    await sample.client.patch(`/admin/users/${account.id}`, { disabled: true }, admin.auth);
    expect((await sample.client.get('/auth/me', key)).status).toBe(401);
    await sample.client.patch(`/admin/users/${account.id}`, { disabled: false }, admin.auth);
    expect((await sample.client.get('/auth/me', key)).status).toBe(401);
    clock.advance(1000);
    const again = await login(sample.client, account.username, PASSWORD);
    expect((await sample.client.get('/api-keys', again.auth)).body).toEqual([]);
  });

  describe('a new password ends the keys made under the old one', () => {
    /** Two live keys of `account`, one of them scoped, as request headers. */
    const twoKeys = async (account: Account) =>
      [
        (await create(account, { name: 'full' })).body.key,
        (await create(account, { name: 'ro', scopes: ['reports:read'] })).body.key,
      ].map((key: string) => ({ 'x-api-key': key }));

    it('a password reset revokes every API key of the account', async () => {
      const account = await newAccount(sample.client);
      const keys = await twoKeys(account);
      const email = `${account.username}@example.com`;
      expect((await sample.client.post('/auth/password-reset/request', { email })).status).toBe(
        202,
      );
      const token = resetTokenFrom((await sample.outbox()).at(-1)!);
      clock.advance(1000);
      const reset = await sample.client.post('/auth/password-reset/confirm', {
        token,
        new_password: 'a passphrase after the reset',
      });
      expect(reset.status).toBe(204);
      for (const key of keys) {
        const res = await sample.client.get('/reports', key);
        expect([res.status, res.body]).toEqual([401, GENERIC_BODIES[401]]);
      }
      clock.advance(1000);
      const again = await login(sample.client, account.username, 'a passphrase after the reset');
      expect((await sample.client.get('/api-keys', again.auth)).body).toEqual([]);
    });

    it('a password change revokes them too, unless the body says keep_api_keys: true', async () => {
      let account = await newAccount(sample.client);
      const keys = await twoKeys(account);
      const change = (from: string, to: string, extra: object = {}) =>
        sample.client.post(
          '/auth/password/change',
          { current_password: from, new_password: to, ...extra },
          account.auth,
        );
      expect(
        (await change(PASSWORD, 'the second passphrase', { keep_api_keys: 'yes' })).status,
      ).toBe(400);
      expect(
        (await change(PASSWORD, 'the second passphrase', { keep_api_keys: true })).status,
      ).toBe(204);
      for (const key of keys) expect((await sample.client.get('/reports', key)).status).toBe(200);

      expect(
        (await change('the second passphrase', 'the third passphrase', { keep_api_keys: false }))
          .status,
      ).toBe(204);
      for (const key of keys) expect((await sample.client.get('/reports', key)).status).toBe(401);
      // Without the field, too.
      const third = (await create(account, { name: 'third' })).body.key as string;
      clock.advance(1000);
      account = await login(sample.client, account.username, 'the third passphrase');
      expect((await change('the third passphrase', 'the fourth passphrase')).status).toBe(204);
      expect((await sample.client.get('/reports', { 'x-api-key': third })).status).toBe(401);
      expect((await sample.client.get('/api-keys', account.auth)).body).toEqual([]);
    });
  });

  it('an API key may neither list nor revoke keys, nor see the sessions', async () => {
    const account = await newAccount(sample.client);
    const key = (await create(account, { name: 'self' })).body;
    const list = await sample.client.get('/api-keys', { 'x-api-key': key.key });
    expect([list.status, list.body]).toEqual([403, GENERIC_BODIES[403]]);
    expect((await sample.client.get('/auth/sessions', { 'x-api-key': key.key })).status).toBe(403);
    expect(
      (await sample.client.delete(`/api-keys/${key.id}`, { 'x-api-key': key.key })).status,
    ).toBe(403);
    expect((await sample.client.get('/auth/me', { 'x-api-key': key.key })).status).toBe(200);
    expect((await sample.client.get('/api-keys', account.auth)).body).toHaveLength(1);
  });
});

import { FakeClock } from 'nestjs-gatehouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters, type AdapterName } from '../../test/support/http-app.js';
import { GENERIC_BODIES } from '../../test/support/http.js';
import {
  ADMIN,
  login,
  newAccount,
  startSample,
  type Account,
  type TestSample,
} from './support/sample-app.js';

describe.each(adapters)('sample app, reports and administration (%s)', (adapter) => {
  let sample: TestSample;
  let admin: Account;
  let moderator: Account;
  let user: Account;
  const clock = new FakeClock(Date.parse('2026-04-01T08:00:00Z'));

  beforeAll(async () => {
    sample = await startSample({ httpAdapter: adapter, clock, admin: ADMIN });
    admin = await login(sample.client, ADMIN.username, ADMIN.password);
    moderator = await newAccount(sample.client, { roles: ['moderator'] });
    user = await newAccount(sample.client);
  });
  afterAll(() => sample.close());

  describe('roles and permissions', () => {
    it('expands the hierarchy: admin ⊃ moderator ⊃ user', async () => {
      const perms = async (account: Account) =>
        (await sample.client.get('/auth/me', account.auth)).body.permissions;
      expect(await perms(user)).toEqual(['reports:read']);
      expect(await perms(moderator)).toEqual(['reports:read', 'reports:write']);
      expect(await perms(admin)).toEqual([
        'reports:delete',
        'reports:read',
        'reports:write',
        'users:manage',
      ]);
    });
  });

  describe('/reports', () => {
    it('a moderator writes, a user reads, an admin deletes', async () => {
      const created = await sample.client.post(
        '/reports',
        { title: 'Q1', body: 'Revenue is up.' },
        moderator.auth,
      );
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        title: 'Q1',
        body: 'Revenue is up.',
        author_id: moderator.id,
        created_at: '2026-04-01T08:00:00.000Z',
      });
      const list = await sample.client.get('/reports', user.auth);
      expect(list.status).toBe(200);
      expect(list.body).toContainEqual(created.body);
      expect((await sample.client.delete(`/reports/${created.body.id}`, admin.auth)).status).toBe(
        204,
      );
      expect((await sample.client.get('/reports', user.auth)).body).not.toContainEqual(
        created.body,
      );
    });

    it('answers 403 without the permission and 401 without credentials', async () => {
      const write = await sample.client.post('/reports', { title: 't', body: 'b' }, user.auth);
      expect([write.status, write.body]).toEqual([403, GENERIC_BODIES[403]]);
      const del = await sample.client.delete('/reports/1', moderator.auth);
      expect([del.status, del.body]).toEqual([403, GENERIC_BODIES[403]]);
      expect((await sample.client.get('/reports')).body).toEqual(GENERIC_BODIES[401]);
      expect((await sample.client.post('/reports', { title: 't', body: 'b' })).status).toBe(401);
      expect((await sample.client.delete('/reports/1')).status).toBe(401);
    });

    it('answers 400 for invalid reports and 404 for unknown ids', async () => {
      for (const body of [
        {},
        { title: '', body: 'b' },
        { title: 't' },
        { title: 'x'.repeat(201), body: 'b' },
        { title: 5, body: 'b' },
      ]) {
        expect((await sample.client.post('/reports', body, moderator.auth)).status).toBe(400);
      }
      expect((await sample.client.delete('/reports/999999', admin.auth)).status).toBe(404);
      expect((await sample.client.delete('/reports/abc', admin.auth)).status).toBe(404);
      expect((await sample.client.delete('/reports/-1', admin.auth)).status).toBe(404);
    });
  });

  describe('/admin/users', () => {
    it('lists users without password hashes, for users:manage only', async () => {
      const res = await sample.client.get('/admin/users', admin.auth);
      expect(res.status).toBe(200);
      const row = res.body.find((u: { id: string }) => u.id === user.id);
      expect(row).toEqual({
        id: user.id,
        username: user.username,
        email: `${user.username}@example.com`,
        roles: ['user'],
        disabled: false,
        created_at: expect.any(String),
      });
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|password/);
      expect((await sample.client.get('/admin/users', moderator.auth)).status).toBe(403);
      expect((await sample.client.get('/admin/users')).status).toBe(401);
    });

    it('a role change takes effect on the next request, with the same token', async () => {
      const account = await newAccount(sample.client);
      expect(
        (await sample.client.post('/reports', { title: 't', body: 'b' }, account.auth)).status,
      ).toBe(403);
      const res = await sample.client.patch(
        `/admin/users/${account.id}`,
        { roles: ['moderator'] },
        admin.auth,
      );
      expect(res.status).toBe(200);
      expect(res.body.roles).toEqual(['moderator']);
      expect(
        (await sample.client.post('/reports', { title: 't', body: 'b' }, account.auth)).status,
      ).toBe(201);
      await sample.client.patch(`/admin/users/${account.id}`, { roles: ['user'] }, admin.auth);
      expect(
        (await sample.client.post('/reports', { title: 't', body: 'b' }, account.auth)).status,
      ).toBe(403);
    });

    it('disabling revokes every token; enabling again needs a new login', async () => {
      const account = await newAccount(sample.client);
      const res = await sample.client.patch(
        `/admin/users/${account.id}`,
        { disabled: true },
        admin.auth,
      );
      expect(res.status).toBe(200);
      expect(res.body.disabled).toBe(true);
      expect((await sample.client.get('/auth/me', account.auth)).status).toBe(401);
      expect(
        (await sample.client.post('/auth/refresh', { refresh_token: account.refresh })).status,
      ).toBe(401);
      await sample.client.patch(`/admin/users/${account.id}`, { disabled: false }, admin.auth);
      // Re-enabled, but the old tokens stay revoked.
      expect((await sample.client.get('/auth/me', account.auth)).status).toBe(401);
      clock.advance(1000);
      await login(sample.client, account.username);
    });

    it('answers 400 for invalid changes, 404 for unknown users, 403 for non-admins', async () => {
      for (const body of [
        { roles: ['superuser'] },
        { roles: 'admin' },
        { disabled: 'yes' },
        { roles: [1] },
      ]) {
        expect(
          (await sample.client.patch(`/admin/users/${user.id}`, body, admin.auth)).status,
        ).toBe(400);
      }
      expect(
        (await sample.client.patch('/admin/users/nope', { disabled: true }, admin.auth)).status,
      ).toBe(404);
      expect(
        (await sample.client.patch(`/admin/users/${user.id}`, { roles: ['admin'] }, moderator.auth))
          .status,
      ).toBe(403);
      expect(
        (await sample.client.patch(`/admin/users/${user.id}`, { roles: ['admin'] })).status,
      ).toBe(401);
      // An admin cannot lock themselves out.
      expect(
        (await sample.client.patch(`/admin/users/${admin.id}`, { disabled: true }, admin.auth))
          .status,
      ).toBe(400);
      const me = await sample.client.get('/auth/me', admin.auth);
      expect(me.body.roles).toEqual(['admin']);
    });
  });

  describe('/admin/audit', () => {
    it('lists the newest auth events first, with their type, user, backend, ip and time', async () => {
      await sample.client.post('/auth/login', {
        username: user.username,
        password: 'wrong password here',
      });
      await sample.client.get('/admin/users', user.auth);
      const res = await sample.client.get('/admin/audit?limit=5', admin.auth);
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(5);
      expect(res.body[0]).toEqual({
        type: 'permission_denied',
        user_id: user.id,
        backend: 'jwt',
        ip: '127.0.0.1',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        reason: 'PERMISSION_MISSING',
        detail: null,
        method: 'GET',
        path: '/admin/users',
      });
      expect(res.body[1]).toMatchObject({
        type: 'login_failed',
        user_id: user.id,
        reason: 'CREDENTIAL_INVALID',
        detail: 'wrong password',
      });
      // No secret ever lands in the log.
      const all = await sample.client.get('/admin/audit?limit=500', admin.auth);
      const text = JSON.stringify(all.body);
      expect(text).not.toContain('wrong password here');
      expect(text).not.toContain(user.access);
    });

    it('filters by type and user', async () => {
      const res = await sample.client.get(`/admin/audit?type=login&user_id=${user.id}`, admin.auth);
      expect(res.status).toBe(200);
      expect(res.body.length).toBeGreaterThan(0);
      for (const event of res.body)
        expect(event).toMatchObject({ type: 'login', user_id: user.id });
    });

    it('answers 400 for a bad limit, 403 for non-admins, 401 anonymously', async () => {
      for (const limit of ['0', '501', 'ten', '-1', '1.5']) {
        expect((await sample.client.get(`/admin/audit?limit=${limit}`, admin.auth)).status).toBe(
          400,
        );
      }
      expect((await sample.client.get('/admin/audit?limit=1&limit=2', admin.auth)).status).toBe(
        400,
      );
      expect((await sample.client.get('/admin/audit', moderator.auth)).status).toBe(403);
      expect((await sample.client.get('/admin/audit')).status).toBe(401);
    });
  });
});

describe('TRUST_PROXY', () => {
  /**
   * The client address the audit log keeps for a failed login that came with `X-Forwarded-For:
   * forwardedFor`, on an app started with `trustProxy`.
   */
  async function auditedIp(
    adapter: AdapterName,
    trustProxy: boolean,
    forwardedFor: string,
  ): Promise<string> {
    const sample = await startSample({ httpAdapter: adapter, admin: ADMIN, trustProxy });
    try {
      const admin = await login(sample.client, ADMIN.username, ADMIN.password);
      await sample.client.post(
        '/auth/login',
        { username: 'nobody_xff', password: 'x' },
        { 'x-forwarded-for': forwardedFor },
      );
      const audit = await sample.client.get('/admin/audit?type=login_failed&limit=1', admin.auth);
      return audit.body[0].ip;
    } finally {
      await sample.close();
    }
  }

  it.each(adapters)('X-Forwarded-For is ignored by default (%s)', async (adapter) => {
    expect(await auditedIp(adapter, false, '203.0.113.7')).toBe('127.0.0.1');
  });

  it.each(adapters)(
    'X-Forwarded-For is believed (one hop) with TRUST_PROXY (%s)',
    async (adapter) => {
      expect(await auditedIp(adapter, true, '198.51.100.1, 203.0.113.7')).toBe('203.0.113.7');
    },
  );
});

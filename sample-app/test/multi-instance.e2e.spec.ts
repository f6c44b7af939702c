import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { BrowserClient } from '../../test/support/http.js';
import {
  ADMIN,
  FORWARDED_HTTPS,
  login,
  newAccount,
  PASSWORD,
  postLogin,
  TEST_SECRET,
} from './support/sample-app.js';
import { startSampleProcess, type SampleProcess } from './support/sample-process.js';

/**
 * Two instances of the app, as behind a load balancer: two separate Node processes running
 * `sample-app/dist/main.js`, configured only through the environment, sharing one real
 * redis-server and one SQLite file. Whatever one instance revokes, the other refuses at once.
 */
describe.each(adapters)('two app processes sharing Redis and the database (%s)', (adapter) => {
  const dir = mkdtempSync(join(tmpdir(), 'sample-multi-'));
  let a: SampleProcess;
  let b: SampleProcess;

  beforeAll(async () => {
    const env = {
      HTTP_ADAPTER: adapter,
      DATABASE_PATH: join(dir, 'shared.db'),
      REDIS_URL: inject('redisUrl'),
      JWT_SECRET: TEST_SECRET,
      SESSION_SECRET: `${TEST_SECRET}-session`,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      ADMIN_EMAIL: ADMIN.email,
      TRUST_PROXY: 'true',
      MAIL_OUTBOX_DIR: join(dir, 'outbox'),
    };
    // One after the other: the first creates and migrates the database and the admin.
    a = await startSampleProcess(env, FORWARDED_HTTPS);
    b = await startSampleProcess(env, FORWARDED_HTTPS);
    expect(a.pid).not.toBe(b.pid);
  }, 180_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a token issued by one instance works on the other', async () => {
    const account = await newAccount(a.client);
    const res = await b.client.get('/auth/me', account.auth);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(account.id);
  });

  it('a logout on one instance is refused on the other at once', async () => {
    const account = await newAccount(a.client);
    expect((await b.client.get('/auth/me', account.auth)).status).toBe(200);
    expect(
      (await a.client.post('/auth/logout', { refresh_token: account.refresh }, account.auth))
        .status,
    ).toBe(204);
    expect((await b.client.get('/auth/me', account.auth)).status).toBe(401);
    expect((await b.client.post('/auth/refresh', { refresh_token: account.refresh })).status).toBe(
      401,
    );
  });

  it('logout-all on one instance ends the tokens and sessions used on the other', async () => {
    const account = await newAccount(a.client);
    const browser = new BrowserClient(b.url, FORWARDED_HTTPS);
    const session = await browser.post('/auth/session/login', {
      username: account.username,
      password: PASSWORD,
    });
    expect(session.status).toBe(200);
    expect((await a.client.post('/auth/logout-all', undefined, account.auth)).status).toBe(204);
    expect((await b.client.get('/auth/me', account.auth)).status).toBe(401);
    expect((await browser.get('/auth/me')).status).toBe(401);
  });

  it('a user disabled on one instance is refused on the other at once', async () => {
    const account = await newAccount(b.client);
    const browser = new BrowserClient(a.url, FORWARDED_HTTPS);
    await browser.post('/auth/session/login', { username: account.username, password: PASSWORD });
    expect((await browser.get('/auth/me')).status).toBe(200);
    const admin = await login(b.client, ADMIN.username, ADMIN.password);
    expect(
      (await b.client.patch(`/admin/users/${account.id}`, { disabled: true }, admin.auth)).status,
    ).toBe(200);
    expect((await a.client.get('/auth/me', account.auth)).status).toBe(401);
    expect((await browser.get('/auth/me')).status).toBe(401);
    expect((await a.client.post('/auth/refresh', { refresh_token: account.refresh })).status).toBe(
      401,
    );
    expect((await postLogin(a.client, account.username)).status).toBe(401);
  });

  it('an API key revoked on one instance is refused on the other at once', async () => {
    const account = await newAccount(a.client);
    const created = await a.client.post('/api-keys', { name: 'shared' }, account.auth);
    expect(created.status).toBe(201);
    const key = { 'x-api-key': created.body.key };
    expect((await b.client.get('/auth/me', key)).status).toBe(200);
    expect((await b.client.delete(`/api-keys/${created.body.id}`, account.auth)).status).toBe(204);
    expect((await a.client.get('/auth/me', key)).status).toBe(401);
    expect((await b.client.get('/auth/me', key)).status).toBe(401);
  });

  it('a cookie session started on one instance works, and ends, on the other', async () => {
    const account = await newAccount(a.client);
    const onA = new BrowserClient(a.url, FORWARDED_HTTPS);
    const login = await onA.post('/auth/session/login', {
      username: account.username,
      password: PASSWORD,
    });
    const cookie = onA.jar.header()!;
    const onB = new BrowserClient(b.url, { ...FORWARDED_HTTPS, cookie });
    expect((await onB.get('/auth/me')).body.auth).toBe('session');
    expect(
      (await onB.post('/auth/session/logout', undefined, { 'x-csrf-token': login.body.csrf_token }))
        .status,
    ).toBe(204);
    expect((await onA.get('/auth/me')).status).toBe(401);
  });

  it('a replayed refresh token is caught across instances and kills the family', async () => {
    const account = await newAccount(a.client);
    const rotated = await a.client.post('/auth/refresh', { refresh_token: account.refresh });
    expect(rotated.status).toBe(200);
    expect((await b.client.post('/auth/refresh', { refresh_token: account.refresh })).status).toBe(
      401,
    );
    expect(
      (await a.client.post('/auth/refresh', { refresh_token: rotated.body.refresh_token })).status,
    ).toBe(401);
  });

  it('counts failed logins across instances', async () => {
    const account = await newAccount(a.client);
    for (let i = 0; i < 5; i++) {
      const target = i % 2 === 0 ? a : b;
      expect(
        (
          await target.client.post('/auth/login', {
            username: account.username,
            password: `nope ${i}`,
          })
        ).status,
      ).toBe(401);
    }
    const locked = await postLogin(b.client, account.username);
    expect(locked.status).toBe(429);
    expect((await postLogin(a.client, account.username)).status).toBe(429);
  });
});

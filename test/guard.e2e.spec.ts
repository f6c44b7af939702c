import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthGuard, SimpleUser } from 'nestjs-gatehouse';
import { AuthTesting } from 'nestjs-gatehouse/testing';
import { CoreAppModule } from './apps/core.app.js';
import { EventLog, EventsAppModule, FilteredAppModule } from './apps/events.app.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { body, GENERIC_BODIES } from './support/http.js';

describe.each(adapters)('failures, events and filters (%s)', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(adapter, EventsAppModule);
  });
  afterAll(() => app.close());
  beforeEach(() => {
    EventLog.events.length = 0;
  });

  const get = (path: string, key?: string) =>
    app.get(path, key === undefined ? {} : { 'x-key': key });

  it('a backend that throws gives 503 with nothing of the cause in the body', async () => {
    const res = await get('/protected', 'boom');
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual(GENERIC_BODIES[503]);
    expect(text).not.toMatch(/ECONNREFUSED|secret|6379/);
    const event = EventLog.events.find((e) => e.type === 'auth_unavailable');
    expect(event).toMatchObject({ backend: 'key', path: '/protected', method: 'GET' });
    expect(String((event?.error as Error).message)).toContain('ECONNREFUSED');
  });

  it('an outage is not downgraded to anonymous on a public route either', async () => {
    const res = await app.send('/public-write', { method: 'POST', headers: { 'x-key': 'boom' } });
    expect(res.status).toBe(503);
  });

  it('the reason of a 401 goes to the events, not the response', async () => {
    const res = await get('/protected', 'tampered');
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual(GENERIC_BODIES[401]);
    expect(text).not.toContain('signature');
    expect(EventLog.events).toContainEqual(
      expect.objectContaining({
        type: 'authentication_failed',
        backend: 'key',
        reason: 'CREDENTIAL_INVALID',
        detail: 'signature mismatch for key',
        path: '/protected',
      }),
    );
  });

  it('events never carry the query string, which may hold credentials', async () => {
    await get('/protected?access_token=secret-value', 'tampered');
    expect(JSON.stringify(EventLog.events)).not.toContain('secret-value');
  });

  it('a denial is reported as permission_denied with the credential id', async () => {
    const res = await get('/admin', 'ok');
    expect(res.status).toBe(403);
    expect(await body(res)).toEqual(GENERIC_BODIES[403]);
    expect(EventLog.events).toContainEqual(
      expect.objectContaining({ type: 'permission_denied', identity: 'u', credentialId: 'key-1' }),
    );
  });

  it('a successful request emits authenticated', async () => {
    expect((await get('/protected', 'ok')).status).toBe(200);
    expect(EventLog.events).toContainEqual(
      expect.objectContaining({ type: 'authenticated', identity: 'u', backend: 'key' }),
    );
  });

  it('a forbidden credential (e.g. missing CSRF) gives 403 on protected routes', async () => {
    const res = await app.send('/write', { method: 'POST', headers: { 'x-key': 'nocsrf' } });
    expect(res.status).toBe(403);
    expect(await body(res)).toEqual(GENERIC_BODIES[403]);
  });

  it('a forbidden credential leaves a public route anonymous instead', async () => {
    const res = await app.send('/public-write', { method: 'POST', headers: { 'x-key': 'nocsrf' } });
    expect(res.status).toBe(201);
  });
});

describe.each(adapters)('user exception filters replace the responses (%s)', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(adapter, FilteredAppModule);
  });
  afterAll(() => app.close());

  it('uses the filter for 401 and keeps the default for 403', async () => {
    const unauthorized = await app.get('/protected');
    expect(unauthorized.status).toBe(401);
    expect(await body(unauthorized)).toEqual({
      error: 'login_required',
      code: 'AUTHENTICATION_FAILED',
    });
    const forbidden = await app.get('/admin', { 'x-key': 'ok' });
    expect(await body(forbidden)).toEqual(GENERIC_BODIES[403]);
  });
});

describe.each(adapters)('overriding the global guard in a test (%s)', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(adapter, CoreAppModule, (builder) =>
      builder.overrideProvider(AuthGuard).useValue({ canActivate: () => true }),
    );
  });
  afterAll(() => app.close());

  it('the replacement guard decides instead', async () => {
    expect((await app.get('/reports')).status).toBe(200);
  });
});

describe.each(adapters)('nestjs-gatehouse/testing (%s)', (adapter) => {
  const auth = new AuthTesting();
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(adapter, CoreAppModule, (builder) => auth.install(builder));
  });
  afterAll(() => app.close());

  const admin = new SimpleUser({ identity: 'root', roles: ['admin'] });
  const reader = new SimpleUser({ identity: 'reader', roles: ['user'] });

  it('runs a request as the given user without real credentials', async () => {
    const res = await app.get('/me', auth.as(admin));
    expect(res.status).toBe(200);
    expect(await body(res)).toMatchObject({ identity: 'root', auth: 'test' });
  });

  it('keeps the permission checks on', async () => {
    expect((await app.delete('/reports', auth.as(reader))).status).toBe(403);
    expect((await app.delete('/reports', auth.as(admin))).status).toBe(200);
  });

  it('applies scopes and freshness from the pretend credential', async () => {
    const scoped = auth.as(admin, { scopes: ['reports:read'] });
    expect((await app.delete('/reports', scoped)).status).toBe(403);
    expect((await app.get('/fresh', auth.as(admin, { fresh: false }))).status).toBe(403);
    expect((await app.get('/fresh', auth.as(admin))).status).toBe(200);
  });

  it('respects @Auth backend restrictions', async () => {
    expect((await app.get('/restricted/header', auth.as(admin))).status).toBe(401);
    const asHeader = auth.as(admin, { backend: 'header' });
    expect(await body(await app.get('/restricted/header', asHeader))).toEqual({
      auth: 'header',
    });
  });

  it('anonymous stays anonymous, and real credentials still work', async () => {
    expect((await app.get('/me', auth.anonymous())).status).toBe(401);
    expect((await app.get('/me', { authorization: 'GatehouseTest forged' })).status).toBe(401);
    expect((await app.get('/me', { 'x-token': 't-bob' })).status).toBe(200);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthGuard, UserModel } from 'nestjs-gatehouse';
import { CoreAppModule, CoreAsyncAppModule, Users } from './apps/core.app.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { basic, body, GENERIC_BODIES } from './support/http.js';

describe.each(adapters)('core request path (%s)', (adapter) => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(adapter, CoreAppModule);
  });
  afterAll(() => app.close());

  describe('protected by default', () => {
    it('answers 401 with a generic body and a challenge without credentials', async () => {
      const res = await app.get('/me');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Token realm="api", Basic realm="api"');
      expect(await body(res)).toEqual(GENERIC_BODIES[401]);
    });

    it('answers 401 with the same body for an invalid credential', async () => {
      const res = await app.get('/me', { 'x-token': 'forged' });
      expect(res.status).toBe(401);
      expect(await body(res)).toEqual(GENERIC_BODIES[401]);
    });

    it('attaches the user, the backend name and effective permissions', async () => {
      const res = await app.get('/me', { 'x-token': 't-carol' });
      expect(res.status).toBe(200);
      expect(await body(res)).toEqual({
        identity: 'carol',
        authenticated: true,
        auth: 'header',
        permissions: ['reports:read', 'reports:write'],
      });
    });
  });

  describe('OR over backends', () => {
    it('accepts the custom backend and the passport adapter alike', async () => {
      expect(await body(await app.get('/me', { 'x-token': 't-bob' }))).toMatchObject({
        auth: 'header',
      });
      expect(
        await body(await app.get('/me', { authorization: basic('bob', 'bob-pass') })),
      ).toMatchObject({
        identity: 'bob',
        auth: 'basic',
      });
    });

    it('lets a later backend succeed after an earlier one failed', async () => {
      const res = await app.get('/me', {
        'x-token': 'forged',
        authorization: basic('bob', 'bob-pass'),
      });
      expect(res.status).toBe(200);
      expect(await body(res)).toMatchObject({ auth: 'basic' });
    });

    it('refuses wrong passport credentials with the generic body', async () => {
      const res = await app.get('/me', { authorization: basic('bob', 'wrong') });
      expect(res.status).toBe(401);
      expect(await body(res)).toEqual(GENERIC_BODIES[401]);
    });
  });

  describe('restriction to named backends', () => {
    it('@Auth("header") refuses a valid basic credential', async () => {
      expect(
        (await app.get('/restricted/header', { authorization: basic('bob', 'bob-pass') })).status,
      ).toBe(401);
      expect(await body(await app.get('/restricted/header', { 'x-token': 't-bob' }))).toEqual({
        auth: 'header',
      });
    });

    it('a restricted route challenges only with its own backends', async () => {
      const res = await app.get('/restricted/header');
      expect(res.headers.get('www-authenticate')).toBe('Token realm="api"');
    });

    it('@Auth([...]) accepts either backend', async () => {
      expect(await body(await app.get('/restricted/either', { 'x-token': 't-bob' }))).toEqual({
        auth: 'header',
      });
      expect(
        await body(
          await app.get('/restricted/either', { authorization: basic('bob', 'bob-pass') }),
        ),
      ).toEqual({ auth: 'basic' });
    });

    it("a method's @Auth overrides its class's", async () => {
      expect((await app.get('/basic-class/inherits', { 'x-token': 't-bob' })).status).toBe(401);
      expect(
        await body(
          await app.get('/basic-class/inherits', { authorization: basic('bob', 'bob-pass') }),
        ),
      ).toEqual({ auth: 'basic' });
      expect(await body(await app.get('/basic-class/overridden', { 'x-token': 't-bob' }))).toEqual({
        auth: 'header',
      });
      expect(
        (await app.get('/basic-class/overridden', { authorization: basic('bob', 'bob-pass') }))
          .status,
      ).toBe(401);
    });
  });

  describe('public routes and optional authentication', () => {
    it('lets anonymous callers in as UnauthenticatedUser', async () => {
      const res = await app.get('/public/hello');
      expect(res.status).toBe(200);
      expect(await body(res)).toEqual({
        identity: '',
        authenticated: false,
        auth: null,
        permissions: [],
      });
    });

    it('still attaches a user with valid credentials', async () => {
      expect(await body(await app.get('/public/hello', { 'x-token': 't-bob' }))).toEqual({
        identity: 'bob',
        authenticated: true,
        auth: 'header',
        permissions: ['reports:read'],
      });
    });

    it('leaves invalid credentials anonymous rather than failing', async () => {
      const res = await app.get('/public/hello', { 'x-token': 'forged' });
      expect(res.status).toBe(200);
      expect(await body(res)).toMatchObject({ authenticated: false });
    });

    it('a method @Auth() protects a route of a @Public() class', async () => {
      expect((await app.get('/public/private')).status).toBe(401);
      expect(await body(await app.get('/public/private', { 'x-token': 't-bob' }))).toEqual({
        identity: 'bob',
      });
    });
  });

  describe('permissions', () => {
    it('the role hierarchy grants inherited permissions', async () => {
      expect((await app.get('/reports', { 'x-token': 't-bob' })).status).toBe(200);
      expect(
        (await app.send('/reports', { method: 'POST', headers: { 'x-token': 't-carol' } })).status,
      ).toBe(201);
      expect((await app.delete('/reports', { 'x-token': 't-alice' })).status).toBe(200);
    });

    it('answers 403 with a generic body when a permission is missing', async () => {
      const res = await app.send('/reports', { method: 'POST', headers: { 'x-token': 't-bob' } });
      expect(res.status).toBe(403);
      expect(await body(res)).toEqual(GENERIC_BODIES[403]);
    });

    it('all-of needs every listed permission', async () => {
      // carol (moderator) has reports:write but neither reports:delete nor users:manage.
      expect((await app.delete('/reports', { 'x-token': 't-carol' })).status).toBe(403);
    });

    it('class and method requirements combine', async () => {
      // dave holds "special" only: the class-level reports:read requirement fails first.
      expect((await app.get('/reports', { 'x-token': 't-dave' })).status).toBe(403);
    });

    it('any-of needs one of the listed permissions', async () => {
      expect((await app.get('/any', { 'x-token': 't-dave' })).status).toBe(200);
      expect((await app.get('/any', { 'x-token': 't-alice' })).status).toBe(200);
      expect((await app.get('/any', { 'x-token': 't-carol' })).status).toBe(403);
    });

    it("credential scopes narrow the user's permissions", async () => {
      const me = await body(await app.get('/me', { 'x-token': 't-alice-read' }));
      expect(me).toMatchObject({ identity: 'alice', permissions: ['reports:read'] });
      expect((await app.get('/reports', { 'x-token': 't-alice-read' })).status).toBe(200);
      expect((await app.delete('/reports', { 'x-token': 't-alice-read' })).status).toBe(403);
      expect((await app.get('/reports', { 'x-token': 't-alice-none' })).status).toBe(403);
    });

    it('anonymous callers get 401, not 403, on permission routes', async () => {
      expect((await app.get('/reports')).status).toBe(401);
    });
  });

  describe('fresh credentials', () => {
    it('a fresh route accepts fresh credentials and refuses others with 403', async () => {
      expect((await app.get('/fresh', { 'x-token': 't-alice' })).status).toBe(200);
      const res = await app.get('/fresh', { 'x-token': 't-bob' });
      expect(res.status).toBe(403);
      expect(await body(res)).toEqual(GENERIC_BODIES[403]);
    });
  });

  describe('the user model', () => {
    it('null means 401', async () => {
      const res = await app.get('/me', { 'x-token': 't-ghost' });
      expect(res.status).toBe(401);
      expect(await body(res)).toEqual(GENERIC_BODIES[401]);
    });

    it('a throwing user model means 503 with a generic body, even on a public route', async () => {
      for (const path of ['/me', '/public/hello']) {
        const res = await app.get(path, { 'x-token': 't-broken' });
        expect(res.status).toBe(503);
        const text = await res.text();
        expect(JSON.parse(text)).toEqual(GENERIC_BODIES[503]);
        expect(text).not.toContain('database');
      }
    });

    it('is asked once per authenticated request', async () => {
      const users = app.app.get(UserModel) as Users;
      const before = users.calls.length;
      await app.get('/me', { 'x-token': 't-bob' });
      expect(users.calls.slice(before)).toEqual(['bob']);
    });
  });

  it('registers the guard as APP_GUARD via useExisting', () => {
    expect(app.app.get(AuthGuard)).toBeInstanceOf(AuthGuard);
  });
});

describe.each(adapters)('forRootAsync (%s)', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(adapter, CoreAsyncAppModule);
  });
  afterAll(() => app.close());

  it('takes its settings from the async factory', async () => {
    const res = await app.get('/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      'Token realm="async-realm", Basic realm="async-realm"',
    );
    expect((await app.get('/reports', { 'x-token': 't-bob' })).status).toBe(200);
  });
});

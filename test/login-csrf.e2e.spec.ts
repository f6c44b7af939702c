import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthEvents, SessionStore, type JwtOptions } from 'nestjs-gatehouse';
import { jwtAppModule } from './apps/jwt.app.js';
import { startSessionApp } from './apps/session.app.js';
import { CookieJar, isDeletion, setCookies } from './support/cookie-jar.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { body, GENERIC_BODIES, type HeaderMap } from './support/http.js';
import { makeKeys, testJwtOptions } from './support/jwt-forge.js';
import { RecordingEvents } from './support/recording-events.js';
import { postLogin, sessionLogin } from './support/session-login.js';

/**
 * Login CSRF: a page of another site must not log the visitor in (as the attacker, whose
 * account then records what the victim does). A login from a cross-site browser context is
 * refused with 403 before anything is created; clients that send neither `Origin` nor
 * `Sec-Fetch-Site` (scripts, mobile apps, curl) are unaffected.
 */
const CROSS_SITE: [string, (app: RunningApp) => HeaderMap][] = [
  ['a foreign Origin', () => ({ origin: 'https://evil.example' })],
  // Another port of the same loopback host is another origin, and localhost another site.
  ['another loopback origin', (app) => ({ origin: app.url.replace(/:\d+$/, ':1') })],
  ['Origin null (a sandboxed frame, a redirect)', () => ({ origin: 'null' })],
  ['Sec-Fetch-Site cross-site', () => ({ 'sec-fetch-site': 'cross-site' })],
  ['Sec-Fetch-Site same-site', () => ({ 'sec-fetch-site': 'same-site' })],
  [
    'a foreign Origin with a same-origin claim',
    () => ({ origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' }),
  ],
];

const SAME_SITE: [string, (app: RunningApp) => HeaderMap][] = [
  ['a client that sends neither header', () => ({})],
  ['its own origin', (app) => ({ origin: app.url, 'sec-fetch-site': 'same-origin' })],
  [
    'a trusted origin',
    () => ({ origin: 'https://app.example.com', 'sec-fetch-site': 'cross-site' }),
  ],
  ['a typed-in address (Sec-Fetch-Site none)', () => ({ 'sec-fetch-site': 'none' })],
];

describe.each(adapters)('login CSRF on session logins (%s)', (adapter) => {
  let app: RunningApp;
  let events: RecordingEvents;
  let store: SessionStore;

  beforeAll(async () => {
    app = await startSessionApp(adapter, {}, [{ provide: AuthEvents, useClass: RecordingEvents }]);
    events = app.app.get(AuthEvents) as RecordingEvents;
    store = app.app.get(SessionStore);
  });
  afterAll(() => app.close());
  beforeEach(() => {
    events.events.length = 0;
  });

  it.each(CROSS_SITE)(
    'refuses a login from %s with 403: no session, no cookie, one event',
    async (_name, headers) => {
      const before = (await store.listIndex('bob')).length;
      const res = await postLogin(app, 'bob', { headers: headers(app) });
      expect(res.status).toBe(403);
      expect(await body(res)).toEqual(GENERIC_BODIES[403]);
      expect(setCookies(res).filter((c) => !isDeletion(c))).toEqual([]);
      expect((await store.listIndex('bob')).length).toBe(before);
      expect(events.events.filter((e) => e.type === 'session_created')).toEqual([]);
      expect(events.events.filter((e) => e.type === 'csrf_rejected')).toEqual([
        expect.objectContaining({ backend: 'session', reason: 'CSRF_LOGIN_CROSS_SITE' }),
      ]);
    },
  );

  it.each(SAME_SITE)('lets %s log in', async (_name, headers) => {
    const jar = new CookieJar();
    const res = await postLogin(app, 'bob', { headers: headers(app), jar });
    expect(res.status).toBe(200);
    expect((await app.send('/me', { jar })).status).toBe(200);
  });

  it("leaves the visitor's own session alone: a cross-site login does not log them out", async () => {
    const jar = new CookieJar();
    await sessionLogin(app, jar, 'alice');
    const planted = await postLogin(app, 'bob', {
      jar,
      headers: { origin: 'https://evil.example' },
    });
    expect(planted.status).toBe(403);
    const me = await app.send('/me', { jar });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { identity: string }).identity).toBe('alice');
  });
});

describe.each(adapters)('login CSRF on JWT logins (%s)', (adapter) => {
  const options: JwtOptions = {
    ...testJwtOptions(makeKeys(), { issuer: 'gatehouse-test', audience: 'gatehouse-api' }),
    cookies: { trustedOrigins: ['https://app.example.com'] },
  };
  let app: RunningApp;
  let events: RecordingEvents;

  beforeAll(async () => {
    app = await startApp(adapter, jwtAppModule(options));
    events = app.app.get(AuthEvents) as RecordingEvents;
  });
  afterAll(() => app.close());
  beforeEach(() => {
    events.events.length = 0;
  });

  const login = (path: string, headers: HeaderMap) =>
    app.send(path, { method: 'POST', json: { username: 'carol' }, headers });

  it.each(CROSS_SITE)(
    'TokenService.assertLoginOrigin refuses a login from %s: 403, no token',
    async (_name, headers) => {
      for (const path of ['/auth/login', '/auth/login-cookie']) {
        const res = await login(path, headers(app));
        expect(res.status).toBe(403);
        expect(await body(res)).toEqual(GENERIC_BODIES[403]);
        expect(setCookies(res)).toEqual([]);
      }
      expect(events.events.filter((e) => e.type === 'token_issued')).toEqual([]);
      expect(events.events.map((e) => [e.type, e.backend, e.reason])).toEqual([
        ['csrf_rejected', 'jwt', 'CSRF_LOGIN_CROSS_SITE'],
        ['csrf_rejected', 'jwt', 'CSRF_LOGIN_CROSS_SITE'],
      ]);
    },
  );

  it.each(SAME_SITE)('lets %s log in', async (_name, headers) => {
    const res = await login('/auth/login', headers(app));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { access_token: string }).access_token).toEqual(
      expect.any(String),
    );
  });
});

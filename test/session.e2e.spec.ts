import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthEvents, Clock, configureSessions, SessionStore } from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { sessionApp, startSessionApp } from './apps/session.app.js';
import { CookieJar, isDeletion, setCookies } from './support/cookie-jar.js';
import { FlakySessionStore } from './support/flaky-session.store.js';
import { RecordingEvents } from './support/recording-events.js';
import { expectSessionStoreDown, postLogin, sessionLogin } from './support/session-login.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { body, GENERIC_BODIES } from './support/http.js';

const COOKIE = 'gatehouse.sid';
const IDLE_MS = 600_000;
const ABSOLUTE_MS = 3_600_000;
/** Activity is written at most once per twentieth of the idle timeout. */
const ACTIVITY_WRITE_MS = IDLE_MS / 20;

describe.each(adapters)('cookie sessions (%s)', (adapter) => {
  let app: RunningApp;
  let clock: FakeClock;

  beforeAll(async () => {
    clock = new FakeClock(Date.parse('2026-03-01T09:00:00Z'));
    app = await startSessionApp(adapter, {}, [{ provide: Clock, useValue: clock }]);
  });
  afterAll(() => app.close());

  const whoami = async (cookie: string | undefined) =>
    app.send('/me', { headers: cookie === undefined ? {} : { cookie } });

  const notes = async () => {
    const jar = new CookieJar();
    await sessionLogin(app, jar, 'bob');
    return (await app.send('/notes', { jar })).json() as Promise<string[]>;
  };

  describe('login', () => {
    it('sets a hardened cookie with a new high-entropy id and authenticates with it', async () => {
      const jar = new CookieJar();
      const res = await app.send('/auth/login', {
        jar,
        method: 'POST',
        json: { username: 'alice', password: 'alice-pass' },
      });
      expect(res.status).toBe(200);
      const cookies = setCookies(res).filter((c) => !isDeletion(c));
      expect(cookies.map((c) => c.name)).toEqual([COOKIE]);
      const cookie = cookies[0]!;
      expect(cookie.name).not.toMatch(/^(connect\.sid|sessionId)$/);
      expect(cookie.attributes.has('httponly')).toBe(true);
      expect(cookie.attributes.get('samesite')?.toLowerCase()).toBe('lax');
      expect(cookie.attributes.get('path')).toBe('/');
      // The signed value is "<id>.<signature>" (express-session adds "s:"); the id is base64url.
      const id = decodeURIComponent(cookie.value)
        .replace(/^s:/, '')
        .replace(/\.[^.]*$/, '');
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(id.length * 6).toBeGreaterThanOrEqual(128);

      const me = await app.send('/me', { jar });
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual({ identity: 'alice', auth: 'session', fresh: true });
    });

    it('answers the generic 401 without a cookie', async () => {
      const res = await whoami(undefined);
      expect(res.status).toBe(401);
      expect(await body(res)).toEqual(GENERIC_BODIES[401]);
    });

    it('gives every login its own session id and CSRF token', async () => {
      const a = new CookieJar();
      const b = new CookieJar();
      const first = await sessionLogin(app, a);
      const second = await sessionLogin(app, b);
      expect(a.get(COOKIE)).not.toBe(b.get(COOKIE));
      expect(first.csrf_token).not.toBe(second.csrf_token);
      expect(first.csrf_token.length).toBeGreaterThanOrEqual(43);
    });

    it('is fresh only within freshForSeconds of the login', async () => {
      const jar = new CookieJar();
      await sessionLogin(app, jar);
      clock.advance(301_000);
      expect(await (await app.send('/me', { jar })).json()).toMatchObject({ fresh: false });
    });
  });

  describe('session fixation', () => {
    it('replaces an anonymous pre-login session id, which then stops working', async () => {
      const jar = new CookieJar();
      const visit = await app.send('/public/visit', { jar, method: 'POST' });
      expect(await visit.json()).toEqual({ visits: 1 });
      const preLogin = jar.get(COOKIE)!;
      expect(preLogin).toBeDefined();
      expect(await (await app.send('/public/visit', { jar, method: 'POST' })).json()).toEqual({
        visits: 2,
      });

      await sessionLogin(app, jar);
      const afterLogin = jar.get(COOKIE)!;
      expect(afterLogin).not.toBe(preLogin);
      expect((await whoami(`${COOKIE}=${afterLogin}`)).status).toBe(200);

      // The planted id is dead: not logged in, and its data is gone.
      const replay = await whoami(`${COOKIE}=${preLogin}`);
      expect(replay.status).toBe(401);
      expect(await body(replay)).toEqual(GENERIC_BODIES[401]);
      const revisit = await app.send('/public/visit', {
        method: 'POST',
        headers: { cookie: `${COOKIE}=${preLogin}` },
      });
      expect(await revisit.json()).toEqual({ visits: 1 });
    });

    it("replaces another user's session id on login, and the old one stops working", async () => {
      const jar = new CookieJar();
      await sessionLogin(app, jar, 'bob');
      const bobs = jar.get(COOKIE)!;
      await sessionLogin(app, jar, 'alice');
      expect(jar.get(COOKIE)).not.toBe(bobs);
      expect(await (await app.send('/me', { jar })).json()).toMatchObject({ identity: 'alice' });
      expect((await whoami(`${COOKIE}=${bobs}`)).status).toBe(401);
    });

    it('never adopts an id chosen by the client', async () => {
      const jar = new CookieJar();
      jar.set(COOKIE, 'attacker-chosen-id');
      await sessionLogin(app, jar);
      expect(jar.get(COOKIE)).not.toContain('attacker-chosen-id');
      expect((await app.send('/me', { jar })).status).toBe(200);
    });
  });

  describe('timeouts (server side, by the Clock)', () => {
    it('ends a session left idle for the idle timeout, while activity keeps it alive', async () => {
      const jar = new CookieJar();
      await sessionLogin(app, jar);
      const cookie = jar.header()!;
      clock.advance(IDLE_MS - 1000);
      expect((await whoami(cookie)).status).toBe(200);
      clock.advance(IDLE_MS - 1000);
      expect((await whoami(cookie)).status).toBe(200);
      clock.advance(IDLE_MS);
      const res = await whoami(cookie);
      expect(res.status).toBe(401);
      expect(await body(res)).toEqual(GENERIC_BODIES[401]);
      // Ended for good: going back in time does not revive it.
      clock.advance(-IDLE_MS);
      expect((await whoami(cookie)).status).toBe(401);
    });

    it('writes activity at most once per interval, so a session can end early but never late', async () => {
      const jar = new CookieJar();
      await sessionLogin(app, jar);
      const cookie = jar.header()!;
      const lastUsed = async () => {
        const res = await whoami(cookie);
        expect(res.status).toBe(200);
        const list = (await (await app.send('/auth/sessions', { jar })).json()) as {
          last_used_at: number;
        }[];
        return list[0]!.last_used_at;
      };
      const atLogin = await lastUsed();
      clock.advance(ACTIVITY_WRITE_MS - 1000);
      expect(await lastUsed()).toBe(atLogin); // within the interval: nothing written
      clock.advance(1000);
      const written = await lastUsed();
      expect(written).toBeGreaterThan(atLogin);
      // The idle timeout counts from the recorded activity: a request just inside the interval
      // did not push it, so the session ends one idle period after the last write.
      clock.advance(ACTIVITY_WRITE_MS - 1000);
      expect((await whoami(cookie)).status).toBe(200);
      clock.advance(IDLE_MS - ACTIVITY_WRITE_MS + 1000);
      expect((await whoami(cookie)).status).toBe(401);
    });

    it('ends an active session at the absolute timeout', async () => {
      const jar = new CookieJar();
      await sessionLogin(app, jar);
      const cookie = jar.header()!;
      // Active every half idle period, right up to the absolute timeout.
      for (let elapsed = IDLE_MS / 2; elapsed < ABSOLUTE_MS; elapsed += IDLE_MS / 2) {
        clock.advance(IDLE_MS / 2);
        expect((await whoami(cookie)).status).toBe(200);
      }
      clock.advance(IDLE_MS / 2);
      expect((await whoami(cookie)).status).toBe(401);
    });

    it('lets an expired cookie log in again on a public route', async () => {
      const jar = new CookieJar();
      await sessionLogin(app, jar);
      clock.advance(IDLE_MS + 1);
      await sessionLogin(app, jar);
      expect((await app.send('/me', { jar })).status).toBe(200);
    });
  });

  describe('logout', () => {
    it('destroys the session server-side, clears the cookie, and the old cookie is refused', async () => {
      const jar = new CookieJar();
      const { csrf_token } = await sessionLogin(app, jar);
      const cookie = jar.header()!;
      const res = await app.send('/auth/logout', {
        jar,
        method: 'POST',
        headers: { 'x-csrf-token': csrf_token },
      });
      expect(res.status).toBe(204);
      const cleared = setCookies(res).filter((c) => c.name === COOKIE);
      expect(cleared.length).toBeGreaterThan(0);
      expect(cleared.every(isDeletion)).toBe(true);
      expect(jar.get(COOKIE)).toBeUndefined();

      // Replaying the old cookie, on a read and on a write with its old CSRF token.
      expect((await whoami(cookie)).status).toBe(401);
      const again = await app.send('/auth/logout', {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf_token },
      });
      expect(again.status).toBe(401);
      expect(await body(again)).toEqual(GENERIC_BODIES[401]);
      const write = await app.send('/notes', {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': csrf_token },
        json: { text: 'after logout' },
      });
      expect(write.status).toBe(401);
      expect(await notes()).not.toContain('after logout');
    });

    it('refuses a logout without the CSRF token, and the session survives', async () => {
      const jar = new CookieJar();
      await sessionLogin(app, jar);
      const res = await app.send('/auth/logout', { jar, method: 'POST' });
      expect(res.status).toBe(403);
      expect(await body(res)).toEqual(GENERIC_BODIES[403]);
      expect((await app.send('/me', { jar })).status).toBe(200);
    });
  });

  describe('tampered cookies count as anonymous, never 500', () => {
    let valid: string;
    beforeEach(async () => {
      const jar = new CookieJar();
      await sessionLogin(app, jar);
      valid = jar.get(COOKIE)!;
    });

    const flip = (value: string) => {
      const decoded = decodeURIComponent(value);
      const last = decoded.at(-1) === 'A' ? 'B' : 'A';
      return encodeURIComponent(decoded.slice(0, -1) + last);
    };
    const unsigned = (value: string) =>
      decodeURIComponent(value)
        .replace(/^s:/, '')
        .replace(/\.[^.]*$/, '');
    const cases: [string, (v: string) => string][] = [
      ['a flipped signature', flip],
      ['the id without its signature', unsigned],
      [
        'the id with another signature',
        (v) => encodeURIComponent(`${unsigned(v)}.${'x'.repeat(43)}`),
      ],
      ['an oversized value', (v) => v + 'A'.repeat(6000)],
      ['garbage', () => '%E0%A4%A'],
      ['an empty value', () => ''],
      ['binary junk', () => '%00%01%02%FF'],
    ];

    it.each(cases)('%s', async (_name, tamper) => {
      const cookie = `${COOKIE}=${tamper(valid)}`;
      const res = await whoami(cookie);
      expect(res.status).toBe(401);
      expect(await body(res)).toEqual(GENERIC_BODIES[401]);
      const anon = await app.send('/public/whoami', { headers: { cookie } });
      expect(anon.status).toBe(200);
      expect(await anon.json()).toEqual({ identity: '', authenticated: false });
      // The genuine cookie is unaffected.
      expect((await whoami(`${COOKIE}=${valid}`)).status).toBe(200);
    });

    it('refuses a cookie signed with another secret', async () => {
      const other = await startSessionApp(adapter, {
        secret: 'another-secret-another-secret-another-secret',
      });
      try {
        const jar = new CookieJar();
        const res = await postLogin(other, 'alice');
        jar.store(res);
        expect((await whoami(jar.header())).status).toBe(401);
      } finally {
        await other.close();
      }
    });
  });

  describe('CSRF', () => {
    let jar: CookieJar;
    let token: string;
    beforeEach(async () => {
      jar = new CookieJar();
      token = (await sessionLogin(app, jar)).csrf_token;
    });

    const write = (headers: Record<string, string>, text: string, method = 'POST') =>
      app.send('/notes', { jar, method, headers, json: { text } });

    it('covers every method but the safe ones, not only POST, PUT, PATCH and DELETE', async () => {
      for (const method of ['LOCK', 'PROPPATCH', 'MKCOL']) {
        const res = await app.send('/notes/any', { jar, method, json: { text: 'x' } });
        expect(res.status).toBe(403);
        expect(await body(res)).toEqual(GENERIC_BODIES[403]);
      }
      expect(await notes()).not.toContain('via LOCK');
      const ok = await app.send('/notes/any', {
        jar,
        method: 'LOCK',
        headers: { 'x-csrf-token': token },
        json: { text: 'x' },
      });
      expect(ok.status).toBeLessThan(300);
      expect((await app.send('/notes/any', { jar })).status).toBe(200); // GET needs no token
    });

    it('accepts a write with the session token (same-origin browser or plain client)', async () => {
      expect((await write({ 'x-csrf-token': token }, 'plain')).status).toBe(201);
      const sameOrigin = await write(
        { 'x-csrf-token': token, origin: app.url, 'sec-fetch-site': 'same-origin' },
        'same-origin',
      );
      expect(sameOrigin.status).toBe(201);
      const trusted = await write(
        {
          'x-csrf-token': token,
          origin: 'https://app.example.com',
          'sec-fetch-site': 'cross-site',
        },
        'trusted',
      );
      expect(trusted.status).toBe(201);
      expect(await notes()).toEqual(expect.arrayContaining(['plain', 'same-origin', 'trusted']));
    });

    const refusals: [string, (token: string) => Record<string, string>][] = [
      ['a missing token', () => ({})],
      ['an empty token', () => ({ 'x-csrf-token': '' })],
      [
        'a wrong token',
        (t) => ({ 'x-csrf-token': t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A') }),
      ],
      ['the token in the body only', () => ({})],
      ['a cross-site Origin', (t) => ({ 'x-csrf-token': t, origin: 'https://evil.example' })],
      ['Origin null', (t) => ({ 'x-csrf-token': t, origin: 'null' })],
      ['Sec-Fetch-Site cross-site', (t) => ({ 'x-csrf-token': t, 'sec-fetch-site': 'cross-site' })],
      ['Sec-Fetch-Site same-site', (t) => ({ 'x-csrf-token': t, 'sec-fetch-site': 'same-site' })],
    ];

    it.each(refusals)('refuses %s with 403 and changes nothing', async (name, headers) => {
      const before = await notes();
      const text = `refused: ${name}`;
      const res = await app.send('/notes', {
        jar,
        method: 'POST',
        headers: headers(token),
        json: { text, csrf_token: token },
      });
      expect(res.status).toBe(403);
      expect(await body(res)).toEqual(GENERIC_BODIES[403]);
      expect(await notes()).toEqual(before);
    });

    it.each(['PUT', 'PATCH', 'DELETE'])('protects %s too', async (method) => {
      await write({ 'x-csrf-token': token }, 'keep me');
      const before = await notes();
      const res = await write({}, 'replaced', method);
      expect(res.status).toBe(403);
      expect(await notes()).toEqual(before);
      expect((await write({ 'x-csrf-token': token }, 'ok', method)).status).toBeLessThan(300);
    });

    it("refuses another session's token", async () => {
      const other = new CookieJar();
      const { csrf_token } = await sessionLogin(app, other, 'alice');
      expect((await write({ 'x-csrf-token': csrf_token }, 'crossed')).status).toBe(403);
    });

    it('does not count a refused write as activity', async () => {
      clock.advance(IDLE_MS - 1000);
      expect((await write({}, 'refused')).status).toBe(403);
      clock.advance(2000);
      expect((await app.send('/me', { jar })).status).toBe(401);
    });

    it('leaves a public write anonymous instead of refusing it', async () => {
      const res = await app.send('/public/echo', { jar, method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ identity: '', authenticated: false });
    });
  });

  describe('listing and revocation', () => {
    it("lists a user's sessions with opaque ids, and revokes one", async () => {
      const laptop = new CookieJar();
      const phone = new CookieJar();
      const bob = new CookieJar();
      await app.send('/auth/logout-all', { jar: laptop, method: 'POST' }); // anonymous: 401, no effect
      const first = await sessionLogin(app, laptop, 'alice', { 'user-agent': 'Laptop/1.0' });
      // Start from a clean slate for alice.
      await app.send('/auth/logout-others', {
        jar: laptop,
        method: 'POST',
        headers: { 'x-csrf-token': first.csrf_token },
      });
      clock.advance(1000);
      const second = await sessionLogin(app, phone, 'alice', { 'user-agent': 'Phone/2.0' });
      await sessionLogin(app, bob, 'bob');
      clock.advance(ACTIVITY_WRITE_MS);

      // Most recently used first: this very request uses the laptop's session.
      const res = await app.send('/auth/sessions', { jar: laptop });
      expect(res.status).toBe(200);
      const list = (await res.json()) as Record<string, unknown>[];
      expect(list).toHaveLength(2);
      expect(list.map((s) => s.user_agent)).toEqual(['Laptop/1.0', 'Phone/2.0']);
      expect(list.map((s) => s.current)).toEqual([true, false]);
      expect(list[0]).toMatchObject({ id: first.session, ip: expect.any(String) });
      expect(list[1]).toMatchObject({ id: second.session, ip: expect.any(String) });
      expect(list[1]!.last_used_at).toBeLessThan(list[0]!.last_used_at as number);
      expect(Object.keys(list[0]!).sort()).toEqual(
        ['created_at', 'current', 'id', 'ip', 'last_used_at', 'user_agent'].sort(),
      );
      // The raw session ids (bearer credentials) appear nowhere in the listing.
      const raw = [laptop, phone].map((j) =>
        decodeURIComponent(j.get(COOKIE)!)
          .replace(/^s:/, '')
          .replace(/\.[^.]*$/, ''),
      );
      for (const id of raw) expect(JSON.stringify(list)).not.toContain(id);

      // Bob cannot revoke alice's session.
      const foreign = await app.send(`/auth/sessions/${second.session}`, {
        jar: bob,
        method: 'DELETE',
      });
      expect(foreign.status).toBe(403); // no CSRF token
      const bobToken = (await sessionLogin(app, bob, 'bob')).csrf_token;
      const notHis = await app.send(`/auth/sessions/${second.session}`, {
        jar: bob,
        method: 'DELETE',
        headers: { 'x-csrf-token': bobToken },
      });
      expect(notHis.status).toBe(404);
      expect((await app.send('/me', { jar: phone })).status).toBe(200);

      const revoke = await app.send(`/auth/sessions/${second.session}`, {
        jar: laptop,
        method: 'DELETE',
        headers: { 'x-csrf-token': first.csrf_token },
      });
      expect(revoke.status).toBe(204);
      expect((await app.send('/me', { jar: phone })).status).toBe(401);
      expect((await app.send('/me', { jar: laptop })).status).toBe(200);
      const after = (await (await app.send('/auth/sessions', { jar: laptop })).json()) as unknown[];
      expect(after).toHaveLength(1);
      const unknown = await app.send('/auth/sessions/not-a-session', {
        jar: laptop,
        method: 'DELETE',
        headers: { 'x-csrf-token': first.csrf_token },
      });
      expect(unknown.status).toBe(404);
    });

    it('drops timed-out sessions from the listing', async () => {
      const old = new CookieJar();
      const fresh = new CookieJar();
      const { csrf_token } = await sessionLogin(app, old, 'bob');
      await app.send('/auth/logout-others', {
        jar: old,
        method: 'POST',
        headers: { 'x-csrf-token': csrf_token },
      });
      clock.advance(IDLE_MS - 1000);
      await sessionLogin(app, fresh, 'bob');
      clock.advance(2000);
      const list = (await (await app.send('/auth/sessions', { jar: fresh })).json()) as {
        current: boolean;
      }[];
      expect(list).toEqual([expect.objectContaining({ current: true })]);
    });

    it('revokes every session of a user (logout everywhere)', async () => {
      const jars = [new CookieJar(), new CookieJar(), new CookieJar()];
      const tokens: string[] = [];
      for (const jar of jars) tokens.push((await sessionLogin(app, jar, 'alice')).csrf_token);
      const bob = new CookieJar();
      await sessionLogin(app, bob, 'bob');
      const res = await app.send('/auth/logout-all', {
        jar: jars[0],
        method: 'POST',
        headers: { 'x-csrf-token': tokens[0]! },
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { revoked: number }).revoked).toBeGreaterThanOrEqual(3);
      for (const jar of jars) expect((await app.send('/me', { jar })).status).toBe(401);
      expect((await app.send('/me', { jar: bob })).status).toBe(200);
    });

    it('revokes every other session, keeping the current one', async () => {
      const here = new CookieJar();
      const there = new CookieJar();
      await sessionLogin(app, there, 'alice');
      const { csrf_token } = await sessionLogin(app, here, 'alice');
      const res = await app.send('/auth/logout-others', {
        jar: here,
        method: 'POST',
        headers: { 'x-csrf-token': csrf_token },
      });
      expect(res.status).toBe(200);
      expect((await app.send('/me', { jar: here })).status).toBe(200);
      expect((await app.send('/me', { jar: there })).status).toBe(401);
    });
  });
});

describe.each(adapters)('cookie attributes in production settings (%s)', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(
      adapter,
      sessionApp({ secure: true, hostPrefix: true, sameSite: 'strict' }),
      (b) => b,
      async (a) => {
        // Behind a TLS-terminating proxy: let express believe X-Forwarded-Proto.
        if (adapter === 'express')
          (a.getHttpAdapter().getInstance() as { set(k: string, v: unknown): void }).set(
            'trust proxy',
            true,
          );
        await configureSessions(a);
      },
    );
  });
  afterAll(() => app.close());

  it('sends a __Host- cookie with Secure, HttpOnly, Path=/ and no Domain', async () => {
    const res = await postLogin(app, 'alice', { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.status).toBe(200);
    const [cookie] = setCookies(res);
    expect(cookie!.name).toBe('__Host-gatehouse.sid');
    expect(cookie!.attributes.has('secure')).toBe(true);
    expect(cookie!.attributes.has('httponly')).toBe(true);
    expect(cookie!.attributes.get('path')).toBe('/');
    expect(cookie!.attributes.has('domain')).toBe(false);
    expect(cookie!.attributes.get('samesite')?.toLowerCase()).toBe('strict');
    const me = await app.get('/me', {
      cookie: `${cookie!.name}=${cookie!.value}`,
      'x-forwarded-proto': 'https',
    });
    expect(me.status).toBe(200);
  });
});

describe.each(adapters)('session store outage (%s)', (adapter) => {
  it('answers 503 with the generic body, on protected and public routes, and on login', async () => {
    const store = new FlakySessionStore();
    const app = await startSessionApp(adapter, {}, [{ provide: SessionStore, useValue: store }]);
    try {
      const jar = new CookieJar();
      const res = await postLogin(app, 'alice');
      jar.store(res);
      const cookie = jar.header()!;
      expect((await app.get('/me', { cookie })).status).toBe(200);

      store.down = true;
      await expectSessionStoreDown(app, cookie);

      store.down = false;
      expect((await app.get('/me', { cookie })).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('a login refused halfway (503) leaves no working session behind', async () => {
    const store = new FlakySessionStore();
    const app = await startSessionApp(adapter, {}, [{ provide: SessionStore, useValue: store }]);
    try {
      store.indexDown = true;
      const res = await postLogin(app, 'alice');
      expect(res.status).toBe(503);
      expect(await body(res)).toEqual(GENERIC_BODIES[503]);
      // Whatever cookie came with the refusal does not log anyone in, now or once the store is back.
      const jar = new CookieJar();
      jar.store(res);
      const cookie = jar.header();
      store.indexDown = false;
      if (cookie !== undefined) {
        expect((await app.get('/me', { cookie })).status).toBe(401);
      }
      expect(await store.listIndex('alice')).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe.each(adapters)('a refused session write is one audit event (%s)', (adapter) => {
  let app: RunningApp;
  let events: RecordingEvents;
  beforeAll(async () => {
    app = await startApp(
      adapter,
      sessionApp(),
      (b) => b.overrideProvider(AuthEvents).useClass(RecordingEvents),
      (a) => configureSessions(a),
    );
    events = app.app.get(AuthEvents) as RecordingEvents;
  });
  afterAll(() => app.close());

  it('a write without its CSRF token, or from another site, emits exactly one event', async () => {
    const jar = new CookieJar();
    const { csrf_token: csrf, session } = await sessionLogin(app, jar, 'alice');
    const refusals: Record<string, string>[] = [
      {},
      { 'x-csrf-token': csrf, origin: 'https://evil.example' },
    ];
    for (const headers of refusals) {
      events.events.length = 0;
      const res = await app.send('/notes', { jar, method: 'POST', headers, json: { text: 'x' } });
      expect(res.status).toBe(403);
      expect(events.events.map((e) => e.type)).toEqual(['permission_denied']);
      expect(events.events[0]).toMatchObject({
        backend: 'session',
        identity: 'alice',
        credentialId: session,
        method: 'POST',
        path: '/notes',
      });
      expect(events.events[0]!.reason).toMatch(/^CSRF_/);
    }
  });
});

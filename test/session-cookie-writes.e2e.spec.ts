import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock, SessionStore } from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { SESSION_SECRET, SessionController, startSessionApp } from './apps/session.app.js';
import { CookieJar, isDeletion, setCookies } from './support/cookie-jar.js';
import { adapters, type RunningApp } from './support/http-app.js';
import { GENERIC_BODIES } from './support/http.js';
import { sessionLogin } from './support/session-login.js';

const COOKIE = 'gatehouse.sid';
const IDLE_MS = 600_000;
const ACTIVITY_WRITE_MS = IDLE_MS / 20;
const NEW_SECRET = 'the-rotated-in-secret-0123456789-abcdefghijkl';

describe.each(adapters)('what a session request writes (%s)', (adapter) => {
  let app: RunningApp;
  let writes: string[];
  const clock = new FakeClock(Date.parse('2026-03-01T09:00:00Z'));

  beforeAll(async () => {
    app = await startSessionApp(adapter, {}, [{ provide: Clock, useValue: clock }]);
    const store = app.app.get(SessionStore, { strict: false });
    writes = [];
    const set = store.set.bind(store);
    const destroy = store.destroy.bind(store);
    store.set = (...args) => {
      writes.push('set');
      return set(...args);
    };
    store.destroy = (sid) => {
      writes.push('destroy');
      return destroy(sid);
    };
  });
  afterAll(() => app.close());

  it('writes nothing and sends no cookie for a request that changes nothing', async () => {
    const jar = new CookieJar();
    await sessionLogin(app, jar);
    writes.length = 0;
    for (let i = 0; i < 5; i++) {
      const res = await app.send('/me', { jar });
      expect(res.status).toBe(200);
      expect(setCookies(res)).toEqual([]);
    }
    expect(writes).toEqual([]);
  });

  it('writes the activity once per interval, keeping the cookie as it is', async () => {
    const jar = new CookieJar();
    await sessionLogin(app, jar);
    writes.length = 0;
    clock.advance(ACTIVITY_WRITE_MS);
    const res = await app.send('/me', { jar });
    expect(res.status).toBe(200);
    expect(writes).toEqual(['set']);
    expect(setCookies(res)).toEqual([]);
  });

  it("saves the application's own session data when it changes, under the same cookie", async () => {
    const jar = new CookieJar();
    const first = await app.send('/public/visit', { jar, method: 'POST' });
    expect(await first.json()).toEqual({ visits: 1 });
    expect(setCookies(first).map((c) => c.name)).toEqual([COOKIE]);
    writes.length = 0;
    const second = await app.send('/public/visit', { jar, method: 'POST' });
    expect(await second.json()).toEqual({ visits: 2 });
    expect(writes).toEqual(['set']);
    expect(setCookies(second)).toEqual([]);
  });

  it('drops a cookie that carries no session on Fastify; express-session leaves it', async () => {
    const res = await app.send('/public/whoami', { headers: { cookie: `${COOKIE}=nothing.here` } });
    expect(res.status).toBe(200);
    const sent = setCookies(res);
    if (adapter === 'express') {
      expect(sent).toEqual([]);
      return;
    }
    expect(sent).toHaveLength(1);
    expect(sent[0]!.name).toBe(COOKIE);
    expect(isDeletion(sent[0]!)).toBe(true);
    // Cleared with the attributes it was set with, or a browser keeps a __Host- cookie.
    expect(sent[0]!.attributes.get('path')).toBe('/');
    expect(sent[0]!.attributes.has('httponly')).toBe(true);
  });
});

describe.each(adapters)('a rotated session secret (%s)', (adapter) => {
  let before: RunningApp;
  let after: RunningApp;
  const clock = new FakeClock(Date.parse('2026-03-01T09:00:00Z'));

  beforeAll(async () => {
    before = await startSessionApp(adapter, {}, [{ provide: Clock, useValue: clock }]);
    const store = before.app.get(SessionStore, { strict: false });
    // The same store, as two deployments of one application share their Redis.
    after = await startSessionApp(adapter, { secret: [NEW_SECRET, SESSION_SECRET] }, [
      { provide: Clock, useValue: clock },
      { provide: SessionStore, useValue: store },
    ]);
  });
  afterAll(async () => {
    await Promise.all([before?.close(), after?.close()]);
  });

  it('keeps a cookie signed with the previous secret working', async () => {
    const jar = new CookieJar();
    await sessionLogin(before, jar);
    const res = await after.send('/me', { jar });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ identity: 'alice', auth: 'session' });
    const renewed = setCookies(res).filter((c) => c.name === COOKIE);
    if (adapter === 'fastify') {
      // Signed again with the first secret, so the old one can be retired.
      expect(renewed).toHaveLength(1);
      jar.store(res);
      const again = await after.send('/me', { jar });
      expect(again.status).toBe(200);
      expect(setCookies(again)).toEqual([]);
      expect((await before.send('/me', { jar })).status).toBe(401);
    } else {
      // express-session verifies every secret but signs again only a cookie it sets anyway.
      expect(renewed).toEqual([]);
    }
  });
});

describe.each(adapters)('a session store that fails (%s)', (adapter) => {
  let app: RunningApp;
  let store: SessionStore;
  const SECRET_HOST = 'ECONNREFUSED 10.0.0.5:6379 secret-host';

  beforeAll(async () => {
    app = await startSessionApp(adapter);
    store = app.app.get(SessionStore, { strict: false });
  });
  afterAll(() => app.close());

  it('answers a failed save with the generic 503, without the store message, and tries it once', async () => {
    let attempts = 0;
    const set = store.set.bind(store);
    store.set = () => {
      attempts++;
      return Promise.reject(new Error(SECRET_HOST));
    };
    try {
      const res = await app.send('/public/visit', { method: 'POST' });
      const text = await res.text();
      expect(res.status).toBe(503);
      expect(text).not.toContain('secret-host');
      expect(text).not.toContain('ECONNREFUSED');
      expect(setCookies(res)).toEqual([]);
      expect(attempts).toBe(1);
    } finally {
      store.set = set;
    }
  });

  it('answers 503 when the change of a logged-in session cannot be saved, keeping what was stored', async () => {
    const jar = new CookieJar();
    await sessionLogin(app, jar);
    const set = store.set.bind(store);
    store.set = () => Promise.reject(new Error(SECRET_HOST));
    try {
      const res = await app.send('/public/visit', { jar, method: 'POST' });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual(GENERIC_BODIES[503]);
      expect(setCookies(res)).toEqual([]);
    } finally {
      store.set = set;
    }
    // The session is as it was before the refused request, and still works.
    const again = await app.send('/public/visit', { jar, method: 'POST' });
    expect(await again.json()).toEqual({ visits: 1 });
    expect((await app.send('/me', { jar })).status).toBe(200);
  });

  it('treats a stored value that is not an object as a store failure (503), not as data', async () => {
    const jar = new CookieJar();
    await sessionLogin(app, jar);
    const get = store.get.bind(store);
    store.get = () => Promise.resolve('not a session' as never);
    try {
      const res = await app.send('/me', { jar });
      expect(res.status).toBe(503);
      expect(await res.text()).not.toContain('not a session');
    } finally {
      store.get = get;
    }
  });
});

// express-session saves in `res.end`; the library saves before the response leaves. These are
// handlers that end Express's raw response themselves, which Fastify's reply does not offer.
describe('a handler that ends the raw Express response itself, with a session change to save', () => {
  let app: RunningApp;
  let store: SessionStore;

  beforeAll(async () => {
    app = await startSessionApp('express');
    store = app.app.get(SessionStore, { strict: false });
  });
  afterAll(() => app.close());

  const failingSaves = async (run: () => Promise<void>) => {
    const set = store.set.bind(store);
    store.set = () => Promise.reject(new Error('ECONNREFUSED 10.0.0.5:6379'));
    try {
      await run();
    } finally {
      store.set = set;
    }
  };

  it('sends the first end of a handler that ends twice, once the session is saved', async () => {
    const res = await app.send('/public/visit-raw?how=twice', { method: 'POST' });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('first');
    expect(setCookies(res)).toHaveLength(1);
  });

  it('answers a failed save with the generic 503 once, keeping the CORS header, and keeps serving', async () => {
    await failingSaves(async () => {
      const res = await app.send('/public/visit-raw?how=twice', { method: 'POST' });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual(GENERIC_BODIES[503]);
      expect(setCookies(res)).toEqual([]);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    });
    // The process did not crash on the second end: the next request is answered.
    expect((await app.send('/public/whoami')).status).toBe(200);
  });

  it("runs the handler's end callback, on a saved session and on a failed save", async () => {
    const saved = await app.send('/public/visit-raw?how=callback', { method: 'POST' });
    expect(await saved.text()).toBe('with callback');
    expect(SessionController.endCallbackRan).toBe(true);
    await failingSaves(async () => {
      const refused = await app.send('/public/visit-raw?how=callback', { method: 'POST' });
      expect(refused.status).toBe(503);
      await refused.text();
      expect(SessionController.endCallbackRan).toBe(true);
    });
  });

  it('answers an end that throws on its argument with a generic 500, not a hanging request', async () => {
    const res = await app.send('/public/visit-raw?how=bad', { method: 'POST' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ statusCode: 500, message: 'Internal Server Error' });
    expect(setCookies(res)).toEqual([]);
  });
});

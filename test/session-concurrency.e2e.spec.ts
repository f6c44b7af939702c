import { randomBytes } from 'node:crypto';
import { Controller, HttpCode, Module, Post, Req, type Provider } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  configureSessions,
  Public,
  SessionService,
  SessionStore,
  type AuthRequest,
} from 'nestjs-gatehouse';
import { RedisSessionStore } from 'nestjs-gatehouse/redis';
import { sessionApp } from './apps/session.app.js';
import { CookieJar } from './support/cookie-jar.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { body, GENERIC_BODIES } from './support/http.js';
import { sessionLogin } from './support/session-login.js';

type SessionRequest = AuthRequest & { session?: Record<string, unknown> };

/** A request the spec holds open in its handler until it releases it. */
class Hold {
  private release: (() => void) | undefined;
  private entered: (() => void) | undefined;
  /** Resolves when a request is inside the handler. */
  inside = new Promise<void>((resolve) => (this.entered = resolve));
  private released = new Promise<void>((resolve) => (this.release = resolve));

  async wait(): Promise<void> {
    this.entered!();
    await this.released;
  }

  open(): void {
    this.release!();
  }
}

let hold = new Hold();

@Controller()
class RaceController {
  constructor(private readonly sessions: SessionService) {}

  /** Changes the session after a wait, as a slow request (an upload, a report) would. */
  @Post('held')
  @HttpCode(200)
  async held(@Req() req: SessionRequest) {
    await hold.wait();
    req.session!.cart = ['a book'];
    return { done: true };
  }

  /** Two logins in one request: two regenerates, so only the last id may stay stored. */
  @Public()
  @Post('public/login-twice')
  @HttpCode(200)
  async loginTwice(@Req() req: AuthRequest) {
    await this.sessions.login(req, 'bob');
    const { csrfToken } = await this.sessions.login(req, 'alice');
    return { csrf_token: csrfToken };
  }

  /** A login, then the application destroys the session itself in the same request. */
  @Public()
  @Post('public/login-then-destroy')
  @HttpCode(200)
  async loginThenDestroy(@Req() req: SessionRequest) {
    await this.sessions.login(req, 'bob');
    const session = req.session as { destroy(done?: (error?: unknown) => void): unknown };
    // express-session takes a callback; the Fastify session returns a promise.
    await new Promise<void>((resolve, reject) => {
      const done = (error?: unknown) => (error ? reject(error) : resolve());
      const result = session.destroy(done);
      if (result instanceof Promise) result.then(() => resolve(), reject);
    });
    return { destroyed: true };
  }
}

function start(adapter: (typeof adapters)[number], providers: Provider[]): Promise<RunningApp> {
  @Module({ imports: [sessionApp({}, providers)], controllers: [RaceController] })
  class RaceModule {}
  return startApp(
    adapter,
    RaceModule,
    (b) => b,
    (a) => configureSessions(a),
  );
}

const prefix = `gatehouse-race:${randomBytes(6).toString('hex')}:`;
const stores = [
  ['memory', (): Provider[] => []],
  [
    'redis',
    (): Provider[] => [RedisSessionStore.provider({ url: inject('redisUrl'), keyPrefix: prefix })],
  ],
] as const;

describe.each(adapters)('sessions and requests that overlap (%s)', (adapter) => {
  describe.each(stores)('with the %s store', (_name, providers) => {
    let app: RunningApp;
    /** Every id the store was asked to write. */
    let written: Set<string>;
    let store: SessionStore;

    beforeAll(async () => {
      app = await start(adapter, providers());
      store = app.app.get(SessionStore, { strict: false });
      written = new Set();
      const set = store.set.bind(store);
      store.set = (sid, ...rest) => {
        written.add(sid);
        return set(sid, ...rest);
      };
    });
    afterAll(() => app?.close());

    /** The written ids the store still holds. */
    async function stored(): Promise<string[]> {
      const live: string[] = [];
      for (const sid of written) if ((await store.get(sid)) !== null) live.push(sid);
      return live;
    }

    it('a request held open across a logout does not bring the session back', async () => {
      hold = new Hold();
      const jar = new CookieJar();
      const token = (await sessionLogin(app, jar)).csrf_token;
      const headers = { cookie: jar.header()!, 'x-csrf-token': token };
      written.clear();
      const slow = app.send('/held', { method: 'POST', headers });
      await hold.inside;
      const out = await app.send('/auth/logout', { method: 'POST', headers });
      expect(out.status).toBe(204);
      hold.open();
      // The slow request itself was authenticated before the logout and completes.
      expect((await slow).status).toBe(200);
      expect(written.size).toBe(1);
      expect(await stored()).toEqual([]);
      const replay = await app.get('/me', { cookie: headers.cookie });
      expect(replay.status).toBe(401);
      expect(await body(replay)).toEqual(GENERIC_BODIES[401]);
    });

    it('a held request still saves its change while the session lives', async () => {
      hold = new Hold();
      const jar = new CookieJar();
      const token = (await sessionLogin(app, jar)).csrf_token;
      written.clear();
      const slow = app.send('/held', {
        method: 'POST',
        headers: { cookie: jar.header()!, 'x-csrf-token': token },
      });
      await hold.inside;
      hold.open();
      expect((await slow).status).toBe(200);
      const [sid] = await stored();
      expect(await store.get(sid!)).toMatchObject({ cart: ['a book'] });
      expect((await app.get('/me', { cookie: jar.header()! })).status).toBe(200);
    });

    it('two logins in one request leave only the last session stored', async () => {
      const jar = new CookieJar();
      const visit = await app.send('/public/visit', { jar, method: 'POST' });
      expect(visit.status).toBe(200);
      written.clear();
      const res = await app.send('/public/login-twice', { jar, method: 'POST' });
      expect(res.status).toBe(200);
      const live = await stored();
      expect(live).toHaveLength(1);
      expect(await store.get(live[0]!)).toMatchObject({ gatehouse: { identity: 'alice' } });
      expect(await store.listIndex('bob')).not.toContain(live[0]);
      const me = await app.get('/me', { cookie: jar.header()! });
      expect(await me.json()).toMatchObject({ identity: 'alice', auth: 'session' });
    });

    it('a login, then the session destroyed in the same request, leaves nothing stored', async () => {
      written.clear();
      const jar = new CookieJar();
      const res = await app.send('/public/login-then-destroy', { jar, method: 'POST' });
      expect(await res.json()).toEqual({ destroyed: true });
      expect(written.size).toBeGreaterThan(0);
      expect(await stored()).toEqual([]);
    });
  });
});

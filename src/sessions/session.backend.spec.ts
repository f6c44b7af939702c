import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it, vi } from 'vitest';
import {
  AuthEvents,
  AuthModule,
  AuthUnavailableError,
  Clock,
  InMemorySessionStore,
  SessionBackend,
  SessionService,
  SessionStore,
  SimpleUser,
  UserModel,
  type AuthRequest,
  type AuthResult,
  type StoredSession,
} from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { FlakySessionStore } from '../../test/support/flaky-session.store.js';
import { RecordingEvents } from '../../test/support/recording-events.js';
import { SESSION_BINDING, type SessionBinding } from './session-binding.js';
import { SessionMiddlewareStore } from './session-middleware.store.js';
import { readRecord, RECORD_KEY, type SessionRecord } from './session-record.js';
import { SessionSettings } from './session-settings.js';

const START = Date.parse('2026-03-01T09:00:00Z');
const IDLE_MS = 600_000;
const ABSOLUTE_MS = 3_600_000;
/** Activity is written at most once per twentieth of the idle timeout. */
const WRITE_MS = IDLE_MS / 20;
const FRESH_MS = 300_000;

@Injectable()
class Users extends UserModel {
  async loadUser(identity: string) {
    return new SimpleUser({ identity });
  }
}

type Done<T> = (error?: unknown, value?: T) => void;
const call = <T = unknown>(run: (done: Done<T>) => void) =>
  new Promise<T>((resolve, reject) =>
    run((error, value) => (error ? reject(error) : resolve(value as T))),
  );

/** One request of a {@link Browser}, and what ends it. */
interface Exchange {
  readonly request: AuthRequest;
  readonly binding: SessionBinding;
  /** Ends the response: a session changed during the request is saved, as the middlewares do. */
  finish(): Promise<void>;
}

/**
 * One browser, holding a session id as its cookie. Each request gets the binding
 * `configureSessions` would attach, over the real `SessionMiddlewareStore`. The middleware
 * itself is reduced to what the backend relies on: an id that matches no stored session
 * (tampered, forged or ended; the real middlewares also drop a bad signature) arrives as a new,
 * empty session, and a session changed during the request is saved when the response ends.
 */
class Browser {
  /** The session id the browser sends, or `undefined` when it has no cookie. */
  cookie: string | undefined;

  constructor(private readonly store: SessionMiddlewareStore) {}

  async open(method = 'GET', headers: Record<string, string> = {}): Promise<Exchange> {
    const store = this.store;
    const sent = this.cookie;
    let id = sent;
    let session: StoredSession | null =
      sent === undefined ? null : await call<StoredSession | null>((done) => store.get(sent, done));
    if (!session) {
      id = newId();
      session = { cookie: {} };
    }
    let saved = JSON.stringify(session);
    const binding: SessionBinding = {
      hadCookie: sent !== undefined,
      transport: 'loopback',
      session: () => session,
      id: () => id,
      regenerate: async () => {
        await call((done) => store.destroy(id!, done));
        id = newId();
        session = { cookie: {} };
      },
      save: async () => {
        await call((done) => store.set(id!, session!, done));
        saved = JSON.stringify(session);
        this.cookie = id;
      },
      end: async () => {
        await call((done) => store.destroy(id!, done));
        id = newId();
        session = { cookie: {} };
        saved = JSON.stringify(session);
        this.cookie = undefined;
      },
    };
    const request = {
      method,
      url: '/notes?page=1',
      ip: '203.0.113.9',
      headers: { host: 'app.example', 'user-agent': 'spec-browser/1.0', ...headers },
      [SESSION_BINDING]: binding,
    } as AuthRequest;
    return {
      request,
      binding,
      finish: async () => {
        if (JSON.stringify(session) !== saved) await binding.save();
      },
    };
  }
}

function newId(): string {
  return randomBytes(32).toString('base64url');
}

/** A session module on a fake clock, with the real backend, service and store adapter. */
async function sessions(options: { store?: SessionStore } = {}) {
  const clock = new FakeClock(START);
  const moduleRef = await Test.createTestingModule({
    imports: [
      AuthModule.forRoot({
        backends: [SessionBackend],
        userModel: Users,
        events: RecordingEvents,
        session: {
          secret: 'session-backend-spec-secret-0123456789abcdef',
          idleTimeoutSeconds: IDLE_MS / 1000,
          absoluteTimeoutSeconds: ABSOLUTE_MS / 1000,
        },
        providers: [
          { provide: Clock, useValue: clock },
          ...(options.store ? [{ provide: SessionStore, useValue: options.store }] : []),
        ],
      }),
    ],
  }).compile();
  const backend = moduleRef.get(SessionBackend);
  const service = moduleRef.get(SessionService);
  const store = moduleRef.get(SessionStore);
  const events = moduleRef.get(AuthEvents) as RecordingEvents;
  const middlewareStore = new SessionMiddlewareStore(store, clock, moduleRef.get(SessionSettings));

  /** A request of `browser`, authenticated by the backend. */
  const authenticate = async (
    browser: Browser,
    method = 'GET',
    headers: Record<string, string> = {},
  ): Promise<AuthResult> => {
    const exchange = await browser.open(method, headers);
    const result = await backend.authenticate(exchange.request);
    await exchange.finish();
    return result;
  };

  /** A new browser logged in as `identity`, and its CSRF token. */
  const login = async (identity = 'alice') => {
    const browser = new Browser(middlewareStore);
    const exchange = await browser.open('POST');
    const { csrfToken } = await service.login(exchange.request, identity);
    await exchange.finish();
    return { browser, csrf: csrfToken };
  };

  /** The login record the store holds for `browser`'s session. */
  const stored = async (browser: Browser): Promise<SessionRecord | null> =>
    readRecord(await store.get(browser.cookie!));

  return {
    clock,
    backend,
    service,
    store,
    events,
    middlewareStore,
    authenticate,
    login,
    stored,
  };
}

/** The error `promise` rejected with, expected to be the 503 of a failing dependency. */
async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthUnavailableError);
  expect((error as AuthUnavailableError).getStatus()).toBe(503);
}

describe('SessionBackend', () => {
  describe('recognising the session', () => {
    it('answers missing without a cookie', async () => {
      const { authenticate, middlewareStore } = await sessions();
      expect(await authenticate(new Browser(middlewareStore))).toMatchObject({
        success: false,
        missing: true,
        backend: 'session',
      });
    });

    it('authenticates a logged-in session, naming it by a hash of its id', async () => {
      const { authenticate, login } = await sessions();
      const { browser } = await login('alice');
      const result = await authenticate(browser);
      expect(result).toMatchObject({
        success: true,
        backend: 'session',
        identity: 'alice',
        issuedAt: START,
        fresh: true,
      });
      if (!result.success) throw new Error('unreachable');
      // The id is a bearer credential: it must not leave the cookie, not even into audit logs.
      expect(result.credentialId).toEqual(expect.any(String));
      expect(result.credentialId).not.toContain(browser.cookie!);
      expect(result.claims).toEqual({ sessionId: result.credentialId, createdAt: START });
      expect(JSON.stringify(result)).not.toContain(browser.cookie!);
    });

    it('calls a session fresh for freshForSeconds after the login, then not', async () => {
      const { authenticate, login, clock } = await sessions();
      const { browser } = await login();
      clock.set(START + FRESH_MS);
      expect(await authenticate(browser)).toMatchObject({ success: true, fresh: true });
      clock.advance(1);
      expect(await authenticate(browser)).toMatchObject({ success: true, fresh: false });
    });

    it('treats a cookie that matches no stored session as invalid, not as missing', async () => {
      const { authenticate, login, middlewareStore } = await sessions();
      const { browser } = await login();
      const real = browser.cookie!;
      const forged = new Browser(middlewareStore);
      for (const cookie of [`${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`, newId()]) {
        forged.cookie = cookie;
        expect(await authenticate(forged)).toMatchObject({ success: false, missing: false });
      }
      expect(await authenticate(browser)).toMatchObject({ success: true });
    });

    it('treats a session whose cookie outlived a logout as invalid', async () => {
      const { authenticate, login, service, middlewareStore } = await sessions();
      const { browser } = await login();
      const old = browser.cookie!;
      const exchange = await browser.open('POST');
      expect(await service.logout(exchange.request)).toBe(true);
      await exchange.finish();
      const replay = new Browser(middlewareStore);
      replay.cookie = old;
      expect(await authenticate(replay)).toMatchObject({ success: false, missing: false });
    });

    it('treats a stored session with a damaged login record as invalid', async () => {
      const { authenticate, login, store } = await sessions();
      const { browser } = await login();
      const session = (await store.get(browser.cookie!))!;
      const record = session[RECORD_KEY] as Record<string, unknown>;
      for (const damage of [{ csrf: '' }, { identity: 42 }, { createdAt: 'yesterday' }]) {
        await store.set(
          browser.cookie!,
          { ...session, [RECORD_KEY]: { ...record, ...damage } },
          60_000,
        );
        expect(await authenticate(browser)).toMatchObject({ success: false, missing: false });
      }
    });

    it('fails closed (503) when configureSessions did not attach a binding', async () => {
      const { backend } = await sessions();
      await expectUnavailable(backend.authenticate({ method: 'GET', url: '/', headers: {} }));
    });
  });

  describe('timeouts, against the Clock', () => {
    /**
     * A store whose own expiry never comes (its clock stands still). Store TTLs are housekeeping
     * only; with this store, what ends a session is the backend's own check.
     */
    const lingeringStore = () => new InMemorySessionStore(new FakeClock(START));

    it('ends a session idle for idleTimeoutSeconds, to the millisecond', async () => {
      const { authenticate, login, clock, store, service, events } = await sessions({
        store: lingeringStore(),
      });
      const { browser } = await login('alice');
      const sid = browser.cookie!;
      clock.set(START + IDLE_MS - 1);
      expect(await authenticate(browser)).toMatchObject({ success: true });
      const active = clock.now();
      clock.set(active + IDLE_MS - 1);
      expect(await authenticate(browser)).toMatchObject({ success: true });
      clock.set(clock.now() + IDLE_MS);
      expect(await authenticate(browser)).toMatchObject({ success: false, missing: false });
      // Ended for good: gone from the store and the user's list, the browser told, and reported.
      expect(await store.get(sid)).toBeNull();
      expect(await service.listSessions('alice')).toEqual([]);
      expect(browser.cookie).toBeUndefined();
      expect(events.last('session_destroyed')).toMatchObject({ identity: 'alice' });
    });

    it('gives the same answer when the store has already forgotten the session', async () => {
      const { authenticate, login, clock } = await sessions();
      const { browser } = await login();
      clock.set(START + IDLE_MS);
      expect(await authenticate(browser)).toMatchObject({ success: false, missing: false });
    });

    it('counts idleness from the recorded activity: early by up to the write interval, never late', async () => {
      const { authenticate, login, clock } = await sessions({ store: lingeringStore() });
      const { browser } = await login();
      // Used just before an activity write would be due: nothing is written.
      clock.set(START + WRITE_MS - 1);
      expect(await authenticate(browser)).toMatchObject({ success: true });
      clock.set(START + IDLE_MS);
      expect(await authenticate(browser)).toMatchObject({ success: false, missing: false });
    });

    it('ends a session at absoluteTimeoutSeconds after the login, however active', async () => {
      const { authenticate, login, clock, store, events } = await sessions({
        store: lingeringStore(),
      });
      const { browser } = await login('alice');
      const sid = browser.cookie!;
      for (let at = START + IDLE_MS / 2; at < START + ABSOLUTE_MS; at += IDLE_MS / 2) {
        clock.set(at);
        expect(await authenticate(browser), `at +${at - START} ms`).toMatchObject({
          success: true,
        });
      }
      clock.set(START + ABSOLUTE_MS - 1);
      expect(await authenticate(browser)).toMatchObject({ success: true });
      clock.advance(1);
      expect(await authenticate(browser)).toMatchObject({ success: false, missing: false });
      expect(await store.get(sid)).toBeNull();
      expect(events.last('session_destroyed')).toMatchObject({ identity: 'alice' });
    });
  });

  describe('activity writes', () => {
    it('writes the activity at most once per interval', async () => {
      const { authenticate, login, clock, stored } = await sessions();
      const { browser } = await login();
      clock.set(START + WRITE_MS - 1);
      expect(await authenticate(browser)).toMatchObject({ success: true });
      expect((await stored(browser))?.lastActivity).toBe(START);
      clock.set(START + WRITE_MS);
      expect(await authenticate(browser)).toMatchObject({ success: true });
      expect((await stored(browser))?.lastActivity).toBe(START + WRITE_MS);
      clock.advance(WRITE_MS - 1);
      await authenticate(browser);
      expect((await stored(browser))?.lastActivity).toBe(START + WRITE_MS);
    });

    it('keeps the login time, the identity and the CSRF token when it writes', async () => {
      const { authenticate, login, clock, stored } = await sessions();
      const { browser, csrf } = await login('alice');
      const before = await stored(browser);
      clock.set(START + WRITE_MS);
      await authenticate(browser);
      expect(await stored(browser)).toEqual({ ...before, lastActivity: START + WRITE_MS });
      expect(before).toMatchObject({ identity: 'alice', createdAt: START, csrf });
    });
  });

  describe('CSRF on unsafe methods', () => {
    it.each(['POST', 'PUT', 'PATCH', 'DELETE'])(
      'refuses %s without the session’s token as forbidden, and leaves the session untouched',
      async (method) => {
        const { backend, authenticate, login, clock, store, events } = await sessions();
        const { browser, csrf } = await login('alice');
        const before = await store.get(browser.cookie!);
        // An activity write is due: a refused request must not make it.
        clock.set(START + WRITE_MS * 3);
        const refusals: Record<string, string>[] = [
          {},
          { 'x-csrf-token': '' },
          { 'x-csrf-token': `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` },
          { 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' },
          { 'x-csrf-token': csrf, origin: 'https://evil.example' },
        ];
        for (const headers of refusals) {
          const exchange = await browser.open(method, headers);
          const record = readRecord(exchange.binding.session());
          const result = await backend.authenticate(exchange.request);
          expect(result, JSON.stringify(headers)).toMatchObject({
            success: false,
            missing: false,
            forbidden: true,
          });
          expect(readRecord(exchange.binding.session())).toEqual(record);
          await exchange.finish();
        }
        expect(await store.get(browser.cookie!)).toEqual(before);
        // The guard reports the refusal, once; the result says whose credential it was.
        expect(events.events.filter((e) => e.reason?.startsWith('CSRF_'))).toEqual([]);
        const exchange = await browser.open(method, {});
        const refused = await backend.authenticate(exchange.request);
        await exchange.finish();
        expect(refused).toMatchObject({
          forbidden: true,
          identity: 'alice',
          credentialId: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
        });
        const allowed = await authenticate(browser, method, { 'x-csrf-token': csrf });
        expect(allowed).toMatchObject({ success: true, identity: 'alice' });
        expect(await store.get(browser.cookie!)).not.toEqual(before);
      },
    );

    it.each(['GET', 'HEAD', 'OPTIONS'])('lets %s through without a token', async (method) => {
      const { authenticate, login } = await sessions();
      const { browser } = await login();
      expect(await authenticate(browser, method)).toMatchObject({ success: true });
    });

    it('does not count a refused request as activity', async () => {
      const { authenticate, login, clock } = await sessions();
      const { browser } = await login();
      clock.set(START + IDLE_MS - 1);
      expect(await authenticate(browser, 'POST')).toMatchObject({ forbidden: true });
      clock.set(START + IDLE_MS);
      expect(await authenticate(browser)).toMatchObject({ success: false, missing: false });
    });
  });

  describe('store failures answer 503, never anonymous', () => {
    it('when the session cannot be read, and works again once the store is back', async () => {
      const store = new FlakySessionStore();
      const { authenticate, login } = await sessions({ store });
      const { browser } = await login();
      store.down = true;
      await expectUnavailable(authenticate(browser));
      await expectUnavailable(authenticate(browser, 'POST'));
      store.down = false;
      expect(await authenticate(browser)).toMatchObject({ success: true });
    });

    it('when the activity cannot be written', async () => {
      const store = new FlakySessionStore();
      const { authenticate, login, clock } = await sessions({ store });
      const { browser } = await login();
      store.writesDown = true;
      clock.set(START + WRITE_MS - 1);
      // Nothing to write yet: the read alone decides.
      expect(await authenticate(browser)).toMatchObject({ success: true });
      clock.set(START + WRITE_MS);
      const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        await expectUnavailable(authenticate(browser));
        expect(logged).toHaveBeenCalledWith('session store write failed', expect.any(String));
      } finally {
        logged.mockRestore();
      }
    });

    it('when a timed-out session cannot be destroyed', async () => {
      const store = new FlakySessionStore();
      const { authenticate, login, clock } = await sessions({ store });
      const { browser } = await login();
      store.writesDown = true;
      clock.set(START + IDLE_MS);
      await expectUnavailable(authenticate(browser));
      store.writesDown = false;
      expect(await authenticate(browser)).toMatchObject({ success: false, missing: false });
    });
  });
});

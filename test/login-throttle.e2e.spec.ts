import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { AuthEvents, Clock, LoginThrottleStore, type LoginCount } from 'nestjs-gatehouse';
import { RedisLoginThrottleStore } from 'nestjs-gatehouse/redis';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { loginThrottleApp } from './apps/login-throttle.app.js';
import { CookieJar, setCookies } from './support/cookie-jar.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import type { RecordingEvents } from './support/recording-events.js';

const stores = ['memory', 'redis'] as const;
const DEVICE_COOKIE = '__Host-device';
let names = 0;
const account = () => `user${process.pid}x${++names}`;

interface LoginAnswer {
  status: number;
  retryAfter: string | null;
  body: { device_token?: string; trusted?: boolean } & Record<string, unknown>;
}

describe.each(stores.flatMap((store) => adapters.map((adapter) => [adapter, store] as const)))(
  'LoginThrottle (%s, %s store)',
  (adapter, storeKind) => {
    const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    let app: RunningApp;
    let events: RecordingEvents;
    let redis: Redis | undefined;

    beforeAll(async () => {
      const providers = [{ provide: Clock, useValue: clock }];
      if (storeKind === 'redis') {
        const client = new Redis(inject('redisUrl'));
        redis = client;
        const keyPrefix = `gatehouse-login-e2e-${process.pid}-${adapter}-${Date.now()}:`;
        providers.push({
          provide: LoginThrottleStore,
          useValue: new RedisLoginThrottleStore(client, clock, { keyPrefix }),
        } as never);
      }
      app = await startApp(adapter, loginThrottleApp({}, providers));
      events = app.app.get(AuthEvents) as RecordingEvents;
    });
    afterAll(async () => {
      await app.close();
      await redis?.quit();
    });
    beforeEach(() => clock.advance(3_600_000));

    const login = async (
      name: string,
      password: string,
      options: { token?: string; jar?: CookieJar } = {},
    ): Promise<LoginAnswer> => {
      const res = await app.send('/login', {
        method: 'POST',
        json: { username: name, password, device_token: options.token },
        jar: options.jar,
      });
      return {
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        body: (await res.json()) as LoginAnswer['body'],
      };
    };
    const right = (name: string, options?: { token?: string; jar?: CookieJar }) =>
      login(name, `${name}-pass`, options);
    const strangerFails = async (name: string, times: number) => {
      for (let i = 0; i < times; i++) await login(name, `guess ${i}`);
    };

    it('lets maxAttempts failures through, then answers 429 with Retry-After, even for the right password', async () => {
      const name = account();
      for (let i = 0; i < 3; i++) expect((await login(name, `guess ${i}`)).status).toBe(401);
      const locked = await right(name);
      expect(locked).toEqual({
        status: 429,
        retryAfter: '600',
        body: { statusCode: 429, message: 'Too Many Requests' },
      });
      expect(events.last('login_throttled')).toMatchObject({
        backend: 'password',
        reason: 'LOGIN_THROTTLED',
        detail: `clients without a device token locked out of account "${name}" for 600 s`,
        path: '/login',
      });
      expect(JSON.stringify(events.events)).not.toContain(`${name}-pass`);
      // Other accounts are not affected.
      expect((await right(account())).status).toBe(200);
    });

    it('ends the lockout lockoutSeconds after the attempt that reached the limit', async () => {
      const name = account();
      await strangerFails(name, 3);
      clock.advance(599_000);
      expect(await right(name)).toMatchObject({ status: 429, retryAfter: '1' });
      clock.advance(1_000);
      expect((await right(name)).status).toBe(200);
    });

    it('forgets the failures after a success', async () => {
      const name = account();
      await strangerFails(name, 2);
      expect((await right(name)).status).toBe(200);
      await strangerFails(name, 2);
      expect((await right(name)).status).toBe(200);
    });

    it("keeps the owner's device in while strangers are locked out (OWASP device cookies)", async () => {
      const name = account();
      const owner = new CookieJar();
      const first = await right(name, { jar: owner });
      expect(first.body.trusted).toBe(false);
      const token = first.body.device_token!;
      expect(owner.get(DEVICE_COOKIE)).toBe(token);

      await strangerFails(name, 10);
      expect((await right(name)).status).toBe(429);
      // The device cookie of a browser, or the token an API client keeps and sends back.
      const again = await right(name, { jar: owner });
      expect([again.status, again.body.trusted]).toEqual([200, true]);
      const api = await right(name, { token });
      expect([api.status, api.body.trusted]).toEqual([200, true]);
      // Strangers stay locked out.
      expect((await right(name)).status).toBe(429);
    });

    it('gives each device token its own budget: its failures lock that token only', async () => {
      const name = account();
      const token = (await right(name)).body.device_token!;
      const other = (await right(name)).body.device_token!;
      for (let i = 0; i < 3; i++)
        expect((await login(name, `typo ${i}`, { token })).status).toBe(401);
      const locked = await right(name, { token });
      expect([locked.status, locked.retryAfter]).toEqual([429, '600']);
      expect(events.last('login_throttled')?.detail).toMatch(/^this device token locked out/);
      expect((await right(name, { token: other })).status).toBe(200);
      expect((await right(name)).status).toBe(200);
    });

    it('binds a device token to its account: for another account it counts as none', async () => {
      const [mine, victim] = [account(), account()];
      const token = (await right(mine)).body.device_token!;
      await strangerFails(victim, 3);
      const borrowed = await right(victim, { token });
      expect(borrowed.status).toBe(429);
      // Nor does it get the victim a budget of its own before the lockout.
      const fresh = account();
      for (let i = 0; i < 3; i++) await login(fresh, `guess ${i}`, { token });
      expect((await right(fresh)).status).toBe(429);
    });

    it('counts a forged or expired device token as none', async () => {
      const name = account();
      const token = (await right(name)).body.device_token!;
      await strangerFails(name, 3);
      const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
      expect((await right(name, { token: forged })).status).toBe(429);
      clock.advance(180 * 86_400_000);
      expect((await right(name)).status).toBe(200);
      await strangerFails(name, 3);
      expect((await right(name, { token })).status).toBe(429);
    });

    it('counts a burst of parallel guesses before checking any: no more than maxAttempts get past', async () => {
      const name = account();
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => login(name, `parallel ${i}`)),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(9);
      expect((await right(name)).status).toBe(429);
    });

    it('sets the device cookie HttpOnly, Secure, SameSite=Strict, host-only, for the token lifetime', async () => {
      const res = await app.send('/login', {
        method: 'POST',
        json: { username: 'cookie', password: 'cookie-pass' },
      });
      const cookie = setCookies(res).find((c) => c.name === DEVICE_COOKIE)!;
      expect(cookie.attributes.has('httponly')).toBe(true);
      expect(cookie.attributes.has('secure')).toBe(true);
      expect(cookie.attributes.get('samesite')?.toLowerCase()).toBe('strict');
      expect(cookie.attributes.get('path')).toBe('/');
      expect(cookie.attributes.has('domain')).toBe(false);
      expect(cookie.attributes.get('max-age')).toBe(String(180 * 86_400));
    });
  },
);

/** A store that is down. */
class DownStore extends LoginThrottleStore {
  async hit(): Promise<LoginCount> {
    throw new Error('connection refused');
  }
  async reset(): Promise<void> {
    throw new Error('connection refused');
  }
}

describe.each(adapters)('LoginThrottle without its store, or without options (%s)', (adapter) => {
  it('refuses the login with 503 when the store fails (fail closed)', async () => {
    const app = await startApp(
      adapter,
      loginThrottleApp({}, [{ provide: LoginThrottleStore, useClass: DownStore }]),
    );
    try {
      const res = await app.send('/login', {
        method: 'POST',
        json: { username: 'alice', password: 'alice-pass' },
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ statusCode: 503, message: 'Service Unavailable' });
    } finally {
      await app.close();
    }
  });

  it('throttles with the defaults, and warns once that its device tokens live with this process', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await startApp(adapter, loginThrottleApp(null));
    try {
      const post = (password: string) =>
        app.send('/login', { method: 'POST', json: { username: 'dora', password } });
      for (let i = 0; i < 5; i++) expect((await post(`guess ${i}`)).status).toBe(401);
      expect((await post('dora-pass')).status).toBe(429);
      const warnings = warn.mock.calls.filter(([m]) => /deviceTokenSecret/.test(String(m)));
      expect(warnings).toHaveLength(1);
    } finally {
      warn.mockRestore();
      await app.close();
    }
  });
});

import 'reflect-metadata';
import { Module } from '@nestjs/common';
import passport from 'passport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthConfigurationError, AuthEvents, AuthModule, strategyBackend } from 'nestjs-gatehouse';
import type { PassportStrategyClass } from 'nestjs-gatehouse';
import { JwtStrategy } from './apps/passport-recipe/jwt.strategy.js';
import { LocalStrategy } from './apps/passport-recipe/local.strategy.js';
import { RecipeAppModule, RecipeUsers } from './apps/passport-recipe/app.module.js';
import { UsersService } from './apps/passport-recipe/users.service.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { bearer, body, GENERIC_BODIES } from './support/http.js';
import { RecordingEvents } from './support/recording-events.js';

describe.each(adapters)('the NestJS recipe strategies as backends (%s)', (adapter) => {
  let running: RunningApp;
  let events: RecordingEvents;

  const login = async (username: string, password: string) =>
    running.post('/auth/login', { username, password });
  const tokenOf = async (username: string, password: string) => {
    const response = await login(username, password);
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  beforeAll(async () => {
    running = await startApp(adapter, RecipeAppModule, (builder) =>
      builder.overrideProvider(AuthEvents).useClass(RecordingEvents),
    );
    events = running.app.get(AuthEvents);
  });
  afterAll(() => running.close());

  it('logs in through LocalStrategy, whose AuthService was injected as before', async () => {
    const response = await login('john', 'changeme');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ access_token: expect.stringMatching(/^eyJ/) });
    expect(events.events.at(-1)).toMatchObject({
      type: 'authenticated',
      backend: 'local',
      identity: '1',
    });
  });

  it('refuses a wrong or missing password with the generic 401, the reason in the events', async () => {
    for (const json of [
      { username: 'john', password: 'wrong' },
      { username: 'nobody', password: 'changeme' },
      {},
      undefined,
    ]) {
      const response = await running.post('/auth/login', json);
      expect(response.status).toBe(401);
      expect(await body(response)).toEqual(GENERIC_BODIES[401]);
    }
    const refused = events.events.filter((e) => e.type === 'authentication_failed').slice(-4);
    expect(refused.map((e) => [e.reason, e.detail])).toEqual([
      ['CREDENTIAL_INVALID', 'validate() threw 401'],
      ['CREDENTIAL_INVALID', 'validate() threw 401'],
      ['CREDENTIAL_INVALID', 'the strategy failed with status 400'],
      ['CREDENTIAL_INVALID', 'the strategy failed with status 400'],
    ]);
  });

  it('authenticates with the token through JwtStrategy; validate() names the user', async () => {
    const token = await tokenOf('maria', 'guess');
    const response = await running.get('/profile', bearer(token));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      identity: '2',
      name: 'maria',
      claims: { userId: 2, username: 'maria' },
    });
  });

  it('refuses a missing, tampered or foreign token', async () => {
    const token = await tokenOf('john', 'changeme');
    const [header, payload] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 2, username: 'maria' })).toString('base64url');
    for (const authorization of [
      undefined,
      `Bearer ${header}.${forged}.${token.split('.')[2]}`,
      `Bearer ${header}.${payload}.AAAA`,
      `Bearer ${header}.${payload}.`,
    ]) {
      const response = await running.get('/profile', authorization ? { authorization } : {});
      expect(response.status).toBe(401);
      expect(await body(response)).toEqual(GENERIC_BODIES[401]);
    }
  });

  it('keeps the password strategy off the routes that do not name it', async () => {
    const withPassword = await running.get('/reports?username=john&password=changeme');
    expect(withPassword.status).toBe(401);
    const token = await tokenOf('john', 'changeme');
    const withToken = await running.get('/reports', bearer(token));
    expect(withToken.status).toBe(200);
    expect(await withToken.json()).toEqual({ for: '1' });
  });

  it('takes a password check as fresh, and a token as not', async () => {
    const token = await tokenOf('john', 'changeme');
    const byToken = await running.post('/account/delete', {}, bearer(token));
    expect(byToken.status).toBe(403);
    const byPassword = await running.post('/account/delete', {
      username: 'john',
      password: 'changeme',
    });
    expect(byPassword.status).toBe(200);
    expect(await byPassword.json()).toEqual({ deleted: '1', via: 'local' });
  });

  it('answers 503, never a pass, when validate() fails for an outage', async () => {
    const users = running.app.get(UsersService);
    const token = await tokenOf('john', 'changeme');
    users.down = true;
    try {
      const response = await login('john', 'changeme');
      expect(response.status).toBe(503);
      expect(await body(response)).toEqual(GENERIC_BODIES[503]);
      // The token check needs no database, but loading the user does.
      const profile = await running.get('/profile', bearer(token));
      expect(profile.status).toBe(503);
    } finally {
      users.down = false;
    }
  });

  it('builds the strategies through DI and never registers them on the global passport', () => {
    expect(running.app.get(JwtStrategy)).toBeInstanceOf(JwtStrategy);
    expect(running.app.get(LocalStrategy)).toBeInstanceOf(LocalStrategy);
    const global = passport as unknown as { _strategy(name: string): unknown };
    expect(global._strategy('jwt')).toBeUndefined();
    expect(global._strategy('local')).toBeUndefined();
  });
});

describe('listing strategy classes', () => {
  it('refuses a class that is neither a backend nor a PassportStrategy', () => {
    class NotAStrategy {}
    expect(() =>
      AuthModule.forRoot({ backends: [NotAStrategy as never], userModel: RecipeUsers }),
    ).toThrow(AuthConfigurationError);
    expect(() => strategyBackend(NotAStrategy as unknown as PassportStrategyClass)).toThrow(
      /PassportStrategy\(Strategy, name\)/,
    );
  });

  it('refuses two strategies of the same passport name at bootstrap', async () => {
    @Module({
      imports: [
        AuthModule.forRoot({
          backends: [JwtStrategy, strategyBackend(JwtStrategy, { challenge: 'Bearer' })],
          userModel: { useValue: { loadUser: async () => null } as never },
        }),
      ],
    })
    class Twice {}
    await expect(startApp('express', Twice)).rejects.toThrow(/two backends are named "jwt"/);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthEvents, Clock, TokenService, type JwtOptions } from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { jwtAppModule } from './apps/jwt.app.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { bearer, body, GENERIC_BODIES } from './support/http.js';
import type { RecordingEvents } from './support/recording-events.js';
import { forge, jti, makeKeys } from './support/jwt-forge.js';

/**
 * Tokens minted by another service that shares the key, the way common libraries write them
 * (PyJWT: `typ: "JWT"`, no `jti`, a `kid` of its own choosing), against the two opt-ins.
 */
const keys = makeKeys();
const START = Date.parse('2030-01-01T00:00:00Z');
const base: JwtOptions = {
  algorithms: ['HS256'],
  keys: [{ kid: 'shared-2030', secret: keys.hsNew }],
  issuer: 'other-service',
  audience: 'api',
};

describe.each(adapters)('JWT interop opt-ins (%s)', (adapter) => {
  const clock = new FakeClock(START);
  const now = () => Math.floor(clock.now() / 1000);
  const mint = (header: Record<string, unknown>, claims: Record<string, unknown> = {}) =>
    forge(
      { alg: 'HS256', kid: 'shared-2030', ...header },
      { sub: 'alice', iss: 'other-service', aud: 'api', iat: now(), exp: now() + 300, ...claims },
      'HS256',
      keys.hsNew,
    );
  const start = (extra: Partial<JwtOptions>) =>
    startApp(adapter, jwtAppModule({ ...base, ...extra }), (b) =>
      b.overrideProvider(Clock).useValue(clock),
    );
  const me = (app: RunningApp, token: string) => app.get('/me', bearer(token));
  beforeEach(() => clock.advance(1000));

  describe('by default', () => {
    let app: RunningApp;
    beforeAll(async () => (app = await start({})));
    afterAll(() => app.close());

    it('refuses typ JWT, a missing typ and a missing jti, with the one generic 401', async () => {
      const events = app.app.get(AuthEvents) as RecordingEvents;
      for (const [token, reason, detail] of [
        [
          mint({ typ: 'JWT' }, { jti: jti() }),
          'JWT_TYP_MISMATCH',
          'expected "at+jwt", received "JWT"',
        ],
        [mint({}, { jti: jti() }), 'JWT_TYP_MISMATCH', 'expected "at+jwt", received none'],
        [mint({ typ: 'at+jwt' }), 'JWT_CLAIM_INVALID', 'jti missing'],
      ] as const) {
        const res = await me(app, token);
        expect(res.status).toBe(401);
        expect(await body(res)).toEqual(GENERIC_BODIES[401]);
        expect(events.last('authentication_failed')).toMatchObject({ reason, detail });
      }
      expect((await me(app, mint({ typ: 'at+jwt' }, { jti: jti() }))).status).toBe(200);
    });
  });

  describe('with acceptTypJwt', () => {
    let app: RunningApp;
    beforeAll(async () => (app = await start({ acceptTypJwt: true })));
    afterAll(() => app.close());

    it('accepts typ JWT (any case) and no typ on access tokens, still with a jti', async () => {
      for (const header of [{ typ: 'JWT' }, { typ: 'application/jwt' }, {}, { typ: 'at+jwt' }]) {
        expect((await me(app, mint(header, { jti: jti() }))).status).toBe(200);
      }
      expect((await me(app, mint({ typ: 'JWT' }))).status).toBe(401);
    });

    it('still refuses other types, a non-string typ, and any access token as a refresh token', async () => {
      for (const typ of ['refresh+jwt', 'JOSE', 'id+jwt', 7, null]) {
        expect((await me(app, mint({ typ }, { jti: jti() }))).status).toBe(401);
      }
      const refresh = await app.post('/auth/refresh', {
        refresh_token: mint({ typ: 'JWT' }, { jti: jti(), fam: 'f' }),
      });
      expect(refresh.status).toBe(401);
    });
  });

  describe('with acceptTokensWithoutJti', () => {
    let app: RunningApp;
    beforeAll(
      async () => (app = await start({ acceptTypJwt: true, acceptTokensWithoutJti: true })),
    );
    afterAll(() => app.close());

    it('accepts a PyJWT-style token (typ JWT, no jti), but never a malformed jti', async () => {
      const res = await me(app, mint({ typ: 'JWT' }));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { jti?: string }).jti).toBeUndefined();
      for (const bad of ['', 42, ['a'], 'x'.repeat(257)]) {
        expect((await me(app, mint({ typ: 'JWT' }, { jti: bad }))).status).toBe(401);
      }
    });

    it('cannot revoke such a token on its own; logging its user out everywhere ends it', async () => {
      const tokens = app.app.get(TokenService);
      const token = mint({ typ: 'JWT' });
      const verified = await tokens.verify(token);
      await expect(tokens.revoke(verified)).rejects.toMatchObject({
        reason: 'TOKEN_NOT_REVOCABLE',
        status: 403,
      });
      expect((await me(app, token)).status).toBe(200);
      await tokens.revokeAllForUser('alice');
      expect((await me(app, token)).status).toBe(401);
      clock.advance(1000);
      expect((await me(app, mint({ typ: 'JWT' }))).status).toBe(200);
    });

    it('still requires a jti on refresh tokens', async () => {
      const refresh = mint(
        { typ: 'refresh+jwt' },
        { fam: 'family', fam_exp: now() + 600, fam_gen: 0 },
      );
      const res = await app.post('/auth/refresh', { refresh_token: refresh });
      expect(res.status).toBe(401);
      await expect(
        app.app.get(TokenService).verify(refresh, { type: 'refresh' }),
      ).rejects.toMatchObject({ reason: 'JWT_CLAIM_INVALID', detail: 'jti missing' });
    });
  });
});

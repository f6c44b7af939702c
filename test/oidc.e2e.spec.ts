import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AuthEvents,
  Clock,
  OidcBackend,
  UserModel,
  type OidcIssuerOptions,
} from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { LinkedAccounts, oidcAppModule } from './apps/oidc.app.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { bearer, GENERIC_BODIES } from './support/http.js';
import type { RecordingEvents } from './support/recording-events.js';
import { b64url, forge, part } from './support/jwt-forge.js';
import {
  API_RESOURCE,
  CLIENT,
  newSigningKey,
  OPAQUE_RESOURCE,
  OTHER_RESOURCE,
  RESOURCE_SERVER,
  TestProvider,
} from './support/oidc-provider.js';

const COOLDOWN_MS = 30_000;

/** The one generic body, and nothing of the reason. */
async function expectRefused(res: Response, status: 401 | 403 | 503 = 401): Promise<void> {
  const text = await res.text();
  expect(res.status).toBe(status);
  expect(JSON.parse(text)).toEqual(GENERIC_BODIES[status]);
  expect(text).not.toMatch(/issuer|audience|kid|jwks|signature|expired|token|alg|introspect/i);
}

interface Running {
  provider: TestProvider;
  app: RunningApp;
  clock: FakeClock;
  events: RecordingEvents;
  get(path: string, token: string): Promise<Response>;
  /** The reason and detail of the last refusal's event. */
  failure(): { reason?: string; detail?: string } | undefined;
  /** Closes the app, and the provider too. */
  close(): Promise<void>;
}

/** A provider, and an app trusting it with `extra` issuer options (and `module` options). */
async function start(
  adapter: (typeof adapters)[number],
  extra: Partial<OidcIssuerOptions> = {},
  options: { provider?: TestProvider; userModel?: typeof LinkedAccounts } = {},
): Promise<Running> {
  const provider = options.provider ?? (await TestProvider.start());
  const clock = new FakeClock(Date.now());
  const app = await startApp(
    adapter,
    oidcAppModule(
      {
        issuers: [
          {
            issuer: provider.issuer,
            audience: API_RESOURCE,
            rolesClaim: 'realm_access.roles',
            ...extra,
          },
        ],
      },
      options.userModel,
    ),
    (b) => b.overrideProvider(Clock).useValue(clock),
  );
  const events = app.app.get(AuthEvents) as RecordingEvents;
  return {
    provider,
    app,
    clock,
    events,
    get: (path, token) => app.get(path, bearer(token)),
    failure: () => events.last('authentication_failed'),
    close: async () => {
      await app.close();
      await provider.stop();
    },
  };
}

describe.each(adapters)('OIDC backend against a real OpenID Provider (%s)', (adapter) => {
  describe('tokens the provider issues', () => {
    let r: Running;
    beforeAll(async () => {
      r = await start(adapter);
      r.provider.extraClaims = { realm_access: { roles: ['editor'] }, name: 'Reports Service' };
    });
    afterAll(() => r.close());

    it('accepts them, with the identity, issuer, roles and scopes; discovery and keys once', async () => {
      const token = await r.provider.token('reports:read reports:write');
      const res = await r.get('/me', token);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        identity: CLIENT.id,
        name: 'Reports Service',
        auth: 'oidc',
        issuer: r.provider.issuer,
        roles: ['editor'],
        scopes: ['reports:read', 'reports:write'],
        permissions: ['reports:read', 'reports:write'],
      });
      expect((await r.get('/me', token)).status).toBe(200);
      expect(r.provider.count('/.well-known/openid-configuration')).toBe(1);
      expect(r.provider.jwksRequests).toBe(1);
    });

    it('narrows the roles by the token scopes', async () => {
      const readOnly = await r.provider.token('reports:read');
      expect((await r.get('/reports', readOnly)).status).toBe(200);
      await expectRefused(await r.app.post('/reports', undefined, bearer(readOnly)), 403);
      const both = await r.provider.token('reports:read reports:write');
      expect((await r.app.post('/reports', undefined, bearer(both))).status).toBe(201);
    });

    it('refuses a token the provider issued for another API (aud)', async () => {
      await expectRefused(
        await r.get('/me', await r.provider.token('reports:read', OTHER_RESOURCE)),
      );
      expect(r.failure()).toMatchObject({
        reason: 'JWT_AUD_MISMATCH',
        detail: 'expected "urn:gatehouse:api", received "urn:other:api"',
      });
    });

    it('answers a token its cache holds without a promise, and the same success as the first time', async () => {
      const backend = r.app.app.get(OidcBackend);
      const request = {
        headers: { authorization: `Bearer ${await r.provider.token()}` },
        method: 'GET',
        url: '/me',
      };
      const first = backend.authenticate(request);
      expect(first).toBeInstanceOf(Promise);
      const verified = await first;
      expect(verified).toMatchObject({ success: true, identity: CLIENT.id });
      const again = backend.authenticate(request);
      expect(again).not.toBeInstanceOf(Promise);
      expect(again).toBe(verified);
    });

    it('describes its credential for OpenAPI as a bearer token of the configured issuers', () => {
      expect(r.app.app.get(OidcBackend).describeSecurity()).toEqual({
        oidc: {
          type: 'http',
          scheme: 'bearer',
          description: `An access token issued by ${r.provider.issuer} (${r.provider.issuer}/.well-known/openid-configuration).`,
        },
      });
    });

    it('leaves public routes anonymous with a bad token, and challenges with Bearer', async () => {
      const res = await r.app.get('/public', bearer('not-a-token'));
      expect(await res.json()).toEqual({ identity: null });
      const refused = await r.get('/me', 'x.y.z');
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
      await expectRefused(refused);
    });
  });

  describe('crafted tokens', () => {
    let r: Running;
    let now: () => number;
    beforeAll(async () => {
      r = await start(adapter);
      now = () => r.clock.now();
    });
    afterAll(() => r.close());

    const valid = () => r.provider.sign(r.provider.claims(now()));

    it('accepts a token signed with the provider key, as a baseline', async () => {
      expect((await r.get('/me', valid())).status).toBe(200);
    });

    it('never accepts alg none, in any spelling, signed or not', async () => {
      const payload = part(r.provider.claims(now()));
      for (const alg of ['none', 'None', 'NONE']) {
        const header = part({ alg, typ: 'at+jwt', kid: r.provider.keys[0]!.kid });
        await expectRefused(await r.get('/me', `${header}.${payload}.`));
        await expectRefused(await r.get('/me', `${header}.${payload}.${b64url('sig')}`));
      }
    });

    it('refuses HS256 "signed" with the provider public key (PEM, DER or the modulus)', async () => {
      const key = r.provider.keys[0]!;
      const secrets = [
        key.publicKey.export({ type: 'spki', format: 'pem' }),
        key.publicKey.export({ type: 'spki', format: 'der' }),
        key.publicKey.export({ type: 'pkcs1', format: 'pem' }),
        Buffer.from(key.publicJwk.n!, 'base64url'),
      ];
      for (const secret of secrets) {
        const token = forge(
          { alg: 'HS256', typ: 'at+jwt', kid: key.kid },
          r.provider.claims(now()),
          'HS256',
          secret,
        );
        await expectRefused(await r.get('/me', token));
        expect(r.failure()).toMatchObject({
          reason: 'JWT_ALG_NOT_ALLOWED',
          detail: 'expected an asymmetric algorithm, received "HS256"',
        });
      }
    });

    it("refuses an attacker's key under the provider's kid", async () => {
      const attacker = newSigningKey();
      const token = r.provider.sign(
        r.provider.claims(now()),
        {},
        { ...attacker, kid: r.provider.keys[0]!.kid },
      );
      await expectRefused(await r.get('/me', token));
      expect(r.failure()).toMatchObject({ reason: 'JWT_SIGNATURE_INVALID' });
    });

    it('refuses a validly signed token with another or a look-alike issuer', async () => {
      for (const iss of ['https://evil.example.com', `${r.provider.issuer}/`, undefined, 42]) {
        await expectRefused(await r.get('/me', r.provider.sign(r.provider.claims(now(), { iss }))));
        expect(r.failure()).toMatchObject({
          reason: 'OIDC_ISS_MISMATCH',
          detail: expect.stringMatching(/^expected "http:\/\/127\.0\.0\.1:\d+", received /),
        });
      }
    });

    it('refuses a validly signed token without or with a wrong audience', async () => {
      for (const aud of [undefined, 'urn:other:api', ['urn:a', 'urn:b'], 7]) {
        await expectRefused(await r.get('/me', r.provider.sign(r.provider.claims(now(), { aud }))));
      }
      const many = r.provider.sign(r.provider.claims(now(), { aud: ['urn:a', API_RESOURCE] }));
      expect((await r.get('/me', many)).status).toBe(200);
    });

    it('honours exp, nbf and iat with the tolerance', async () => {
      const t = Math.floor(now() / 1000);
      const at = (extra: Record<string, unknown>) =>
        r.provider.sign(r.provider.claims(now(), extra));
      await expectRefused(await r.get('/me', at({ exp: t - 6, iat: t - 600 })));
      expect(r.failure()).toMatchObject({ reason: 'JWT_EXPIRED', detail: 'exp passed' });
      expect((await r.get('/me', at({ exp: t - 4, iat: t - 600 }))).status).toBe(200);
      await expectRefused(await r.get('/me', at({ exp: undefined })));
      await expectRefused(await r.get('/me', at({ nbf: t + 6 })));
      expect((await r.get('/me', at({ nbf: t + 4 }))).status).toBe(200);
      await expectRefused(await r.get('/me', at({ iat: t + 6 })));
      await expectRefused(await r.get('/me', at({ sub: undefined })));
    });

    it('refuses a crit header, and other token types than at+jwt by default', async () => {
      await expectRefused(
        await r.get('/me', r.provider.sign(r.provider.claims(now()), { crit: ['exp'] })),
      );
      expect(r.failure()).toMatchObject({ reason: 'JWT_CRIT_UNSUPPORTED' });
      for (const typ of ['JWT', undefined, 'id+jwt', 'refresh+jwt']) {
        await expectRefused(await r.get('/me', r.provider.sign(r.provider.claims(now()), { typ })));
        expect(r.failure()).toMatchObject({
          reason: 'JWT_TYP_MISMATCH',
          detail: expect.stringMatching(/^expected "at\+jwt", received /),
        });
      }
      expect(
        (
          await r.get(
            '/me',
            r.provider.sign(r.provider.claims(now()), { typ: 'application/AT+JWT' }),
          )
        ).status,
      ).toBe(200);
    });

    it('never follows jku, x5u or jwk headers', async () => {
      let fetched = 0;
      const attackerServer: Server = createServer((_req, res) => {
        fetched++;
        res.end('{}');
      });
      await new Promise<void>((resolve) => attackerServer.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}`;
      try {
        const attacker = newSigningKey();
        const headers = {
          jku: `${base}/jwks`,
          x5u: `${base}/cert.pem`,
          jwk: attacker.publicJwk,
        };
        const forged = r.provider.sign(r.provider.claims(now()), headers, attacker);
        await expectRefused(await r.get('/me', forged));
        const embedded = r.provider.sign(
          r.provider.claims(now()),
          { ...headers, kid: r.provider.keys[0]!.kid },
          { ...attacker, kid: r.provider.keys[0]!.kid },
        );
        await expectRefused(await r.get('/me', embedded));
        // With the provider's own signature the headers are simply not read.
        expect(
          (await r.get('/me', r.provider.sign(r.provider.claims(now()), headers))).status,
        ).toBe(200);
        expect(fetched).toBe(0);
      } finally {
        await new Promise((resolve) => attackerServer.close(resolve));
      }
    });

    it('refuses a tampered payload, a cut signature and malformed structure', async () => {
      const token = valid();
      const [h, p, s] = token.split('.') as [string, string, string];
      const other = part({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'admin' });
      for (const bad of [
        `${h}.${other}.${s}`,
        `${h}.${p}.${s.slice(0, -4)}`,
        `${h}.${p}`,
        `${h}.${p}.${s}=`,
      ]) {
        await expectRefused(await r.get('/me', bad));
      }
    });
  });

  describe('key rotation at the provider', () => {
    let r: Running;
    beforeAll(async () => {
      r = await start(adapter, { jwks: { maxAgeSeconds: 120, cooldownSeconds: 30 } });
    });
    afterAll(() => r.close());

    it('takes the new key at the first token that names it, once the cooldown allows', async () => {
      const oldToken = await r.provider.token();
      expect((await r.get('/me', oldToken)).status).toBe(200);
      const fetched = r.provider.jwksRequests;
      await r.provider.rotate({ keepOld: true });
      const newToken = await r.provider.token();
      expect(newToken).not.toBe(oldToken);
      // Right after the start-up fetch the cooldown holds: no fetch, a 401 for now.
      await expectRefused(await r.get('/me', newToken));
      expect(r.failure()).toMatchObject({ reason: 'OIDC_KID_UNKNOWN' });
      expect(r.provider.jwksRequests).toBe(fetched);
      r.clock.advance(COOLDOWN_MS);
      expect((await r.get('/me', newToken)).status).toBe(200);
      expect(r.provider.jwksRequests).toBe(fetched + 1);
      expect((await r.get('/me', oldToken)).status).toBe(200);
    });

    it('drops a withdrawn key after the maximum age, also for tokens it verified before', async () => {
      const oldToken = r.provider.sign(r.provider.claims(r.clock.now()));
      expect((await r.get('/me', oldToken)).status).toBe(200);
      const fetched = r.provider.jwksRequests;
      await r.provider.rotate({ keepOld: false });
      r.clock.advance(120_000);
      // The stale set is refreshed in the background; the request is not held up by it.
      expect((await r.get('/me', oldToken)).status).toBe(200);
      await vi.waitFor(async () => expect((await r.get('/me', oldToken)).status).toBe(401));
      expect(r.provider.jwksRequests).toBe(fetched + 1);
      expect((await r.get('/me', await r.provider.token())).status).toBe(200);
    });
  });

  describe('the provider down', () => {
    let r: Running;
    beforeAll(async () => {
      r = await start(adapter);
    });
    afterAll(() => r.close());

    it('keeps the keys fetched before; a kid never fetched gets 503, and it recovers', async () => {
      expect((await r.get('/me', await r.provider.token())).status).toBe(200);
      // Long-lived, so it outlasts the clock moves below.
      const known = r.provider.sign(
        r.provider.claims(r.clock.now(), { exp: Math.floor(r.clock.now() / 1000) + 3600 }),
      );
      expect((await r.get('/me', known)).status).toBe(200);
      const stranger = newSigningKey();
      const unseen = r.provider.sign(r.provider.claims(r.clock.now()), {}, stranger);
      await r.provider.stop();
      r.clock.advance(COOLDOWN_MS);
      expect((await r.get('/me', known)).status).toBe(200);
      expect((await r.get('/me', r.provider.sign(r.provider.claims(r.clock.now())))).status).toBe(
        200,
      );
      await expectRefused(await r.get('/me', unseen), 503);
      const unavailable = r.events.last('auth_unavailable');
      expect(unavailable).toMatchObject({
        reason: 'OIDC_KEYS_UNAVAILABLE',
        detail: `a kid never fetched, from ${r.provider.issuer}`,
      });
      // Within the cooldown nothing is tried, and still 503 rather than a 401 that may be wrong.
      await expectRefused(await r.get('/me', unseen), 503);
      // Past the maximum age the old keys stay in use while the provider is down.
      r.clock.advance(600_000);
      expect((await r.get('/me', known)).status).toBe(200);
      await r.provider.resume();
      r.clock.advance(COOLDOWN_MS);
      await expectRefused(await r.get('/me', unseen));
      expect(r.failure()).toMatchObject({ reason: 'OIDC_KID_UNKNOWN' });
      expect((await r.get('/me', known)).status).toBe(200);
    });
  });

  describe('a flood of unknown kids', () => {
    let r: Running;
    beforeAll(async () => {
      r = await start(adapter);
    });
    afterAll(() => r.close());

    it('makes at most one JWKS fetch per cooldown, however many tokens come', async () => {
      const before = r.provider.jwksRequests;
      const attacker = newSigningKey();
      const flood = (n: number) =>
        Promise.all(
          Array.from({ length: n }, (_, i) =>
            r.get(
              '/me',
              r.provider.sign(
                r.provider.claims(r.clock.now()),
                { kid: `random-${i}-${Math.random()}` },
                attacker,
              ),
            ),
          ),
        );
      for (const res of await flood(100)) expect(res.status).toBe(401);
      expect(r.provider.jwksRequests).toBe(before);
      r.clock.advance(COOLDOWN_MS);
      for (const res of await flood(100)) expect(res.status).toBe(401);
      expect(r.provider.jwksRequests).toBe(before + 1);
      r.clock.advance(COOLDOWN_MS - 1);
      for (const res of await flood(50)) expect(res.status).toBe(401);
      expect(r.provider.jwksRequests).toBe(before + 1);
      expect((await r.get('/me', await r.provider.token())).status).toBe(200);
    });
  });

  describe('opaque tokens through introspection', () => {
    let r: Running;
    beforeAll(async () => {
      r = await start(adapter, {
        // Client-credentials tokens name the client, not a user, in their introspection answer.
        identityClaim: 'client_id',
        introspection: {
          clientId: RESOURCE_SERVER.id,
          clientSecret: RESOURCE_SERVER.secret,
          cacheSeconds: 60,
        },
      });
    });
    afterAll(() => r.close());
    const introspections = () => r.provider.count('/token/introspection');

    it('accepts an active opaque token, narrows by its scopes, and caches the answer', async () => {
      const token = await r.provider.token('reports:read', OPAQUE_RESOURCE);
      expect(token.split('.')).toHaveLength(1);
      const before = introspections();
      const res = await r.get('/me', token);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        identity: CLIENT.id,
        auth: 'oidc',
        issuer: r.provider.issuer,
        scopes: ['reports:read'],
      });
      await Promise.all([r.get('/me', token), r.get('/me', token)]);
      expect(introspections()).toBe(before + 1);
      await expectRefused(await r.app.post('/reports', undefined, bearer(token)), 403);
      // JWTs of the same issuer still go by signature.
      expect((await r.get('/me', await r.provider.token())).status).toBe(200);
      expect(introspections()).toBe(before + 1);
    });

    it('refuses an inactive token with 401; a revocation counts once the cached answer ages', async () => {
      await expectRefused(await r.get('/me', 'opaque-but-unknown-to-the-provider'));
      expect(r.failure()).toMatchObject({ reason: 'OIDC_TOKEN_INACTIVE' });
      const token = await r.provider.token('reports:read', OPAQUE_RESOURCE);
      expect((await r.get('/me', token)).status).toBe(200);
      await r.provider.revoke(token);
      expect((await r.get('/me', token)).status).toBe(200);
      r.clock.advance(60_000);
      await expectRefused(await r.get('/me', token));
      expect(r.failure()).toMatchObject({ reason: 'OIDC_TOKEN_INACTIVE' });
    });

    it('never sends what cannot be a bearer token to the provider', async () => {
      const before = introspections();
      for (const bad of ['a b', 'ünïcode', 'x'.repeat(9000), 'quote"d']) {
        await expectRefused(await r.get('/me', bad));
      }
      expect(introspections()).toBe(before);
    });

    it('answers 503 while the provider is down, and the cached answers keep working', async () => {
      const cached = await r.provider.token('reports:read', OPAQUE_RESOURCE);
      const fresh = await r.provider.token('reports:read', OPAQUE_RESOURCE);
      expect((await r.get('/me', cached)).status).toBe(200);
      await r.provider.stop();
      expect((await r.get('/me', cached)).status).toBe(200);
      await expectRefused(await r.get('/me', fresh), 503);
      expect(r.events.last('auth_unavailable')?.reason).toBe('OIDC_INTROSPECTION_UNAVAILABLE');
      await r.provider.resume();
      expect((await r.get('/me', fresh)).status).toBe(200);
    });
  });

  describe('start-up', () => {
    it('starts while the provider is unreachable; its tokens get 503 until discovery succeeds', async () => {
      const provider = await TestProvider.start();
      const token = await provider.token();
      await provider.stop();
      const r = await start(adapter, {}, { provider });
      try {
        await expectRefused(await r.get('/me', token), 503);
        await provider.resume();
        // The failed start-up attempt holds the next one back for the cooldown.
        await expectRefused(await r.get('/me', token), 503);
        r.clock.advance(COOLDOWN_MS);
        expect((await r.get('/me', token)).status).toBe(200);
        expect(provider.count('/.well-known/openid-configuration')).toBe(1);
      } finally {
        await r.close();
      }
    });

    it('fails the start when the reachable provider names another issuer', async () => {
      const provider = await TestProvider.start();
      try {
        await expect(
          start(adapter, { issuer: `${provider.issuer}/` }, { provider }),
        ).rejects.toThrow(
          /invalid option "oidc\.issuers\[0\]\.issuer": the discovery document at .* names the issuer "http:\/\/127\.0\.0\.1:\d+", not the configured "http:\/\/127\.0\.0\.1:\d+\/"/,
        );
      } finally {
        await provider.stop();
      }
    });
  });

  describe('several issuers (a multi-tenant API)', () => {
    let a: TestProvider;
    let b: TestProvider;
    let app: RunningApp;
    beforeAll(async () => {
      [a, b] = await Promise.all([TestProvider.start(), TestProvider.start()]);
      b.extraClaims = { roles: ['reader'] };
      app = await startApp(
        adapter,
        oidcAppModule({
          issuers: [
            { issuer: a.issuer, audience: API_RESOURCE },
            { issuer: b.issuer, audience: [API_RESOURCE, 'urn:tenant-b'], rolesClaim: 'roles' },
          ],
        }),
      );
    });
    afterAll(async () => {
      await app.close();
      await Promise.all([a.stop(), b.stop()]);
    });

    it("accepts each issuer's tokens with that issuer's options", async () => {
      const fromA = (await (await app.get('/me', bearer(await a.token()))).json()) as {
        roles?: string[];
      };
      const fromB = await (await app.get('/me', bearer(await b.token()))).json();
      expect(fromA).toMatchObject({ issuer: a.issuer, permissions: [] });
      expect(fromA.roles).toBeUndefined();
      expect(fromB).toMatchObject({
        issuer: b.issuer,
        roles: ['reader'],
        permissions: ['reports:read'],
      });
    });

    it("never verifies one issuer's token with another issuer's keys", async () => {
      // Signed by B, with B's kid, but claiming to come from A.
      const crossed = b.sign(b.claims(Date.now(), { iss: a.issuer }));
      await expectRefused(await app.get('/me', bearer(crossed)));
    });
  });

  describe("the application's own user model", () => {
    let r: Running;
    beforeAll(async () => {
      r = await start(adapter, { acceptTypJwt: true }, { userModel: LinkedAccounts });
      r.provider.extraClaims = { realm_access: { roles: ['reader'] } };
    });
    afterAll(() => r.close());

    it('gets the issuer and the verified claims, links the account, and can disable it', async () => {
      const users = r.app.app.get(UserModel) as LinkedAccounts;
      const token = await r.provider.token('reports:read');
      const res = await r.get('/me', token);
      expect(await res.json()).toMatchObject({ identity: 'local-1', roles: ['reader'] });
      const context = users.contexts.at(-1)!;
      expect(context.result).toMatchObject({
        backend: 'oidc',
        identity: CLIENT.id,
        issuer: r.provider.issuer,
        roles: ['reader'],
      });
      expect(context.result.claims).toMatchObject({ iss: r.provider.issuer, aud: API_RESOURCE });
      expect(Object.isFrozen(context.result.claims)).toBe(true);
      const untyped = r.provider.sign(r.provider.claims(r.clock.now()), { typ: 'JWT' });
      expect(await (await r.get('/me', untyped)).json()).toMatchObject({ identity: 'local-1' });
      users.accounts.get(JSON.stringify([r.provider.issuer, CLIENT.id]))!.disabled = true;
      await expectRefused(await r.get('/me', token));
    });
  });
});

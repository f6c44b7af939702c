import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { bearer, GENERIC_BODIES } from '../../test/support/http.js';
import {
  API_RESOURCE,
  CLIENT,
  newSigningKey,
  TestProvider,
} from '../../test/support/oidc-provider.js';
import type { AppConfig } from '../src/config/app-config.js';
import { loadConfig } from '../src/config/load-config.js';
import {
  ADMIN,
  login,
  newAccount,
  PASSWORD,
  startSample,
  type Account,
  type TestSample,
} from './support/sample-app.js';

/**
 * The sample app with `OIDC_ISSUER` (sample-app-http.md, "Outside identity provider"), against a
 * real OpenID Provider on loopback: its client-credentials tokens, and tokens it signs for other
 * subjects (people) with the claims a login would give them.
 */
describe.each(adapters)('sample app with an outside identity provider (%s)', (adapter) => {
  const oidcOf = (provider: TestProvider, rolesClaim?: string): AppConfig['oidc'] => ({
    issuer: provider.issuer,
    audience: API_RESOURCE,
    rolesClaim,
  });
  let subjects = 0;
  /** A token the provider signs for a person, with `claims` such as their username. */
  const personToken = (provider: TestProvider, claims: Record<string, unknown> = {}) =>
    provider.sign(
      provider.claims(Date.now(), {
        sub: `person-${process.pid}-${++subjects}`,
        scope: 'reports:read reports:write',
        ...claims,
      }),
      { typ: 'JWT' },
    );

  describe('without OIDC_ROLES_CLAIM', () => {
    let provider: TestProvider;
    let sample: TestSample;
    let admin: Account;
    beforeAll(async () => {
      provider = await TestProvider.start();
      sample = await startSample({ httpAdapter: adapter, admin: ADMIN, oidc: oidcOf(provider) });
      admin = await login(sample.client, ADMIN.username, ADMIN.password);
    });
    afterAll(async () => {
      await sample.close();
      await provider.stop();
    });

    it("accepts the provider's tokens as backend oidc, on a linked account with the user role", async () => {
      const token = await provider.token('reports:read reports:write');
      const me = await sample.client.get('/auth/me', bearer(token));
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({
        username: CLIENT.id,
        email: null,
        roles: ['user'],
        permissions: ['reports:read'],
        auth: 'oidc',
      });
      const again = await sample.client.get('/auth/me', bearer(await provider.token()));
      expect(again.body.id).toBe(me.body.id);
      expect((await sample.client.get('/reports', bearer(token))).status).toBe(200);
    });

    it('creates the account once per (issuer, sub): username from preferred_username made unique, a verified email only', async () => {
      const first = personToken(provider, {
        preferred_username: ADMIN.username,
        email: 'ada@example.com',
        email_verified: true,
      });
      const me = (await sample.client.get('/auth/me', bearer(first))).body;
      expect(me).toMatchObject({ username: `${ADMIN.username}-2`, email: 'ada@example.com' });
      const unverified = personToken(provider, {
        preferred_username: 'bob',
        email: 'bob@example.com',
        email_verified: false,
      });
      expect((await sample.client.get('/auth/me', bearer(unverified))).body).toMatchObject({
        username: 'bob',
        email: null,
      });
      // An email another account has links nothing, and is not copied.
      const taken = personToken(provider, { email: ADMIN.email, email_verified: true });
      const other = (await sample.client.get('/auth/me', bearer(taken))).body;
      expect(other.email).toBeNull();
      expect(other.id).not.toBe(admin.id);
      expect(other.roles).toEqual(['user']);
    });

    it("never takes a provider's sub for a local id", async () => {
      const local = await newAccount(sample.client);
      const token = personToken(provider, { sub: local.id });
      const me = (await sample.client.get('/auth/me', bearer(token))).body;
      expect(me.id).not.toBe(local.id);
      expect(me.username).toBe(local.id);
    });

    it('a disabled linked account gets 401 whatever the token, and cannot log in by password', async () => {
      const token = personToken(provider, { preferred_username: 'carol' });
      const me = (await sample.client.get('/auth/me', bearer(token))).body;
      const res = await sample.client.patch(
        `/admin/users/${me.id}`,
        { disabled: true },
        admin.auth,
      );
      expect(res.status).toBe(200);
      const refused = await sample.client.get('/auth/me', bearer(token));
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual(GENERIC_BODIES[401]);
      await sample.client.patch(`/admin/users/${me.id}`, { disabled: false }, admin.auth);
      expect((await sample.client.get('/auth/me', bearer(token))).status).toBe(200);
      const password = await sample.client.post('/auth/login', {
        username: 'carol',
        password: PASSWORD,
      });
      expect(password.status).toBe(401);
    });

    it('takes typ JWT, none or at+jwt, and refuses forged tokens with the generic 401', async () => {
      for (const typ of [undefined, 'at+jwt']) {
        const token = provider.sign(provider.claims(Date.now(), { sub: 'typ-test' }), { typ });
        expect((await sample.client.get('/auth/me', bearer(token))).status).toBe(200);
      }
      const attacker = newSigningKey();
      const forged = provider.sign(
        provider.claims(Date.now()),
        {},
        { ...attacker, kid: provider.keys[0]!.kid },
      );
      const wrongAudience = provider.sign(provider.claims(Date.now(), { aud: 'sample-app' }));
      for (const token of [forged, wrongAudience]) {
        const res = await sample.client.get('/auth/me', bearer(token));
        expect(res.status).toBe(401);
        expect(res.body).toEqual(GENERIC_BODIES[401]);
      }
    });
  });

  describe('with OIDC_ROLES_CLAIM', () => {
    let provider: TestProvider;
    let sample: TestSample;
    beforeAll(async () => {
      provider = await TestProvider.start();
      sample = await startSample({
        httpAdapter: adapter,
        oidc: oidcOf(provider, 'realm_access.roles'),
      });
    });
    afterAll(async () => {
      await sample.close();
      await provider.stop();
    });

    it('gives a new account the app roles the claim names, narrowed by the token scopes', async () => {
      const token = personToken(provider, {
        realm_access: { roles: ['moderator', 'offline_access', 'uma_authorization'] },
        scope: 'reports:read',
      });
      const me = (await sample.client.get('/auth/me', bearer(token))).body;
      expect(me).toMatchObject({ roles: ['moderator'], permissions: ['reports:read'] });
      expect((await sample.client.get('/reports', bearer(token))).status).toBe(200);
      const write = await sample.client.post('/reports', { title: 't', body: 'b' }, bearer(token));
      expect(write.status).toBe(403);
      const wider = personToken(provider, {
        sub: me.username,
        scope: 'reports:read reports:write',
      });
      expect(
        (await sample.client.post('/reports', { title: 't', body: 'b' }, bearer(wider))).status,
      ).toBe(201);
    });
  });

  describe('start-up', () => {
    it('starts while the provider is unreachable, and answers its tokens with 503', async () => {
      const provider = await TestProvider.start();
      const token = await provider.token();
      await provider.stop();
      const sample = await startSample({ httpAdapter: adapter, oidc: oidcOf(provider) });
      try {
        const res = await sample.client.get('/auth/me', bearer(token));
        expect(res.status).toBe(503);
        expect(res.body).toEqual(GENERIC_BODIES[503]);
      } finally {
        await sample.close();
      }
    });

    it('fails the start when the provider names another issuer', async () => {
      const provider = await TestProvider.start();
      try {
        await expect(
          startSample({
            httpAdapter: adapter,
            oidc: { issuer: `${provider.issuer}/`, audience: API_RESOURCE },
          }),
        ).rejects.toThrow(/names the issuer "http:\/\/127\.0\.0\.1:\d+", not the configured/);
      } finally {
        await provider.stop();
      }
    });
  });
});

describe('OIDC_* configuration', () => {
  it('reads OIDC_ISSUER, OIDC_AUDIENCE and OIDC_ROLES_CLAIM, and needs the audience', () => {
    const base = { JWT_SECRET: 'j'.repeat(8) + 'abcdefghijklmnopqrstuvwxyz0123456789' };
    expect(loadConfig(base).config.oidc).toBeUndefined();
    expect(
      loadConfig({
        ...base,
        OIDC_ISSUER: 'https://sso.example.com/realms/acme',
        OIDC_AUDIENCE: 'sample-api',
        OIDC_ROLES_CLAIM: 'realm_access.roles',
      }).config.oidc,
    ).toEqual({
      issuer: 'https://sso.example.com/realms/acme',
      audience: 'sample-api',
      rolesClaim: 'realm_access.roles',
    });
    expect(() => loadConfig({ ...base, OIDC_ISSUER: 'https://sso.example.com' })).toThrow(
      /OIDC_AUDIENCE: is required with OIDC_ISSUER/,
    );
    expect(() => loadConfig({ ...base, OIDC_AUDIENCE: 'sample-api' })).toThrow(
      /OIDC_AUDIENCE: is set without OIDC_ISSUER/,
    );
  });
});

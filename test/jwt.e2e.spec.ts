import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthEvents,
  Clock,
  IN_MEMORY_REVOCATION_OPTIONS,
  InMemoryRevocationStore,
  RevocationStore,
  TokenService,
  type JwtOptions,
} from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { jwtAppModule } from './apps/jwt.app.js';
import type { RecordingEvents } from './support/recording-events.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { bearer, body, GENERIC_BODIES, type HeaderMap } from './support/http.js';
import { loginPair } from './support/jwt-login.js';
import { CookieJar } from './support/cookie-jar.js';
import { headerBackend } from './support/test-backends.js';
import { GatedRevocationStore } from './support/gated-revocation-store.js';
import {
  b64url,
  bomPart,
  claimsOf,
  ecdsaSpellings,
  forge,
  headerOf,
  jti,
  makeKeys,
  part,
  signature,
  testJwtOptions,
  tokenMaker,
  unpart,
} from './support/jwt-forge.js';

const keys = makeKeys();
const START = Date.parse('2030-01-01T00:00:00Z');
const ISS = 'gatehouse-test';
const AUD = 'gatehouse-api';

const options: JwtOptions = {
  ...testJwtOptions(keys, { issuer: ISS, audience: AUD }),
  cookies: { trustedOrigins: ['https://app.example.com'] },
};

/** Asserts the one generic failure body, and that nothing of the library's reasons leaks. */
async function expectGeneric(res: Response, status: 401 | 403 | 503 = 401): Promise<void> {
  const text = await res.text();
  expect(res.status).toBe(status);
  expect(JSON.parse(text)).toEqual(GENERIC_BODIES[status]);
  expect(text).not.toMatch(/jwt|signature|expired|token|invalid|malformed|alg|kid|csrf/i);
}

describe.each(adapters)('JWT backend (%s)', (adapter) => {
  let app: RunningApp;
  let clock: FakeClock;
  let events: RecordingEvents;

  const { now, claims, header, hs } = tokenMaker(() => clock.now(), {
    issuer: ISS,
    audience: AUD,
    kid: 'hs-new',
    secret: keys.hsNew,
  });

  beforeAll(async () => {
    clock = new FakeClock(START);
    app = await startApp(adapter, jwtAppModule(options), (b) =>
      b.overrideProvider(Clock).useValue(clock),
    );
    events = app.app.get(AuthEvents) as RecordingEvents;
  });
  afterAll(() => app.close());
  beforeEach(() => clock.advance(60_000));

  describe('issuing and reading tokens', () => {
    it('login returns a pair whose access token opens the routes and exposes its claims', async () => {
      const pair = await loginPair(app, 'alice', { claims: { tenant: 't1' } });
      expect(pair.token_type).toBe('bearer');
      expect(pair.expires_in).toBe(900);
      const res = await app.get('/me', bearer(pair.access_token));
      expect(res.status).toBe(200);
      const me = (await res.json()) as { claims: Record<string, unknown> } & Record<
        string,
        unknown
      >;
      expect(me).toMatchObject({ identity: 'alice', auth: 'jwt', fresh: true });
      expect(me.claims).toMatchObject({ sub: 'alice', iss: ISS, aud: AUD, tenant: 't1' });
      expect(me.jti).toBe(me.claims.jti);
      // jti: at least 128 random bits (16 bytes, base64url).
      expect(Buffer.from(me.claims.jti as string, 'base64url').length).toBeGreaterThanOrEqual(16);
      expect(headerOf(pair.access_token)).toEqual({
        alg: 'HS256',
        typ: 'at+jwt',
        kid: 'hs-new',
      });
    });

    it('accepts the Bearer scheme in any case, and only one token after it', async () => {
      const token = hs();
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
        expect((await app.get('/me', { authorization: `${scheme} ${token}` })).status).toBe(200);
      }
      for (const value of [
        `Bearer ${token} extra`,
        `Bearer  ${token}`,
        'Bearer',
        'Bearer ',
        `Bearer\t${token}`,
      ]) {
        await expectGeneric(await app.get('/me', { authorization: value }));
      }
    });

    it('challenges with Bearer and ignores other schemes', async () => {
      const res = await app.get('/me', { authorization: 'Basic YWxpY2U6cHc=' });
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      await expectGeneric(res);
    });

    it('verifies every configured key with its algorithm (HS old and new, RS, PS, ES, EdDSA)', async () => {
      const cases: Array<[string, string, Parameters<typeof forge>[3]]> = [
        ['hs-old', 'HS256', keys.hsOld],
        ['rsa', 'RS256', keys.rsa.privateKey],
        ['ps', 'PS256', keys.ps.privateKey],
        ['ec', 'ES256', keys.ec.privateKey],
        ['ed', 'EdDSA', keys.ed.privateKey],
      ];
      for (const [kid, alg, key] of cases) {
        const token = forge(header(kid, alg), claims({ sub: `user-${kid}` }), alg, key);
        const res = await app.get('/me', bearer(token));
        expect(res.status, kid).toBe(200);
        expect(await body(res)).toMatchObject({ identity: `user-${kid}` });
      }
    });

    it('serves the public keys as a JWKS, without private members', async () => {
      const res = await app.get('/.well-known/jwks.json');
      const jwks = (await res.json()) as { keys: Array<Record<string, unknown>> };
      expect(jwks.keys.map((k) => [k.kid, k.alg, k.kty, k.use])).toEqual([
        ['rsa', 'RS256', 'RSA', 'sig'],
        ['ps', 'PS256', 'RSA', 'sig'],
        ['ec', 'ES256', 'EC', 'sig'],
        ['ed', 'EdDSA', 'OKP', 'sig'],
      ]);
      expect(jwks.keys.some((k) => 'd' in k || 'k' in k)).toBe(false);
    });

    it('a user the UserModel does not know gets 401', async () => {
      await expectGeneric(await app.get('/me', bearer(hs({ sub: 'ghost' }))));
    });
  });

  describe('forged and tampered tokens', () => {
    it('never accepts alg none, in any spelling, signed or not', async () => {
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        const unsigned = `${part(header('hs-new', alg))}.${part(claims())}.`;
        await expectGeneric(await app.get('/me', bearer(unsigned)));
        const noKid = `${part({ alg, typ: 'at+jwt' })}.${part(claims())}.`;
        await expectGeneric(await app.get('/me', bearer(noKid)));
        const withSig = `${part(header('hs-new', alg))}.${part(claims())}.${b64url('x')}`;
        await expectGeneric(await app.get('/me', bearer(withSig)));
      }
      expect(events.last('authentication_failed')).toMatchObject({
        reason: 'JWT_ALG_NOT_ALLOWED',
        detail: 'expected one of "HS256", "RS256", "PS256", "ES256", "EdDSA", received "nOnE"',
      });
    });

    it('refuses an HS256 token "signed" with the RSA public key', async () => {
      const pem = keys.rsaPublicPem;
      for (const kid of ['rsa', 'hs-new', undefined]) {
        const h = kid ? header(kid, 'HS256') : { alg: 'HS256', typ: 'at+jwt' };
        await expectGeneric(await app.get('/me', bearer(forge(h, claims(), 'HS256', pem))));
      }
      const rsaKidEvent = events.events.filter((e) => e.type === 'authentication_failed').at(-3);
      expect(rsaKidEvent).toMatchObject({
        reason: 'JWT_ALG_NOT_ALLOWED',
        detail: 'expected "RS256" (the algorithm of key "rsa"), received "HS256"',
      });
    });

    it('refuses a cut or altered signature and a tampered payload', async () => {
      const token = hs();
      const [h, p, s] = token.split('.') as [string, string, string];
      await expectGeneric(await app.get('/me', bearer(`${h}.${p}.${s.slice(0, -4)}`)));
      await expectGeneric(await app.get('/me', bearer(`${h}.${p}.${s.slice(0, 20)}`)));
      const flipped = Buffer.from(s, 'base64url');
      flipped[0]! ^= 1;
      await expectGeneric(
        await app.get('/me', bearer(`${h}.${p}.${flipped.toString('base64url')}`)),
      );
      const admin = part({ ...unpart(p), sub: 'root' });
      await expectGeneric(await app.get('/me', bearer(`${h}.${admin}.${s}`)));
      expect(events.last('authentication_failed')?.reason).toBe('JWT_SIGNATURE_INVALID');
    });

    it('refuses a swapped or unknown kid', async () => {
      // Signed by the EC key, but naming the Ed25519 key (and vice versa).
      await expectGeneric(
        await app.get(
          '/me',
          bearer(forge(header('ed', 'ES256'), claims(), 'ES256', keys.ec.privateKey)),
        ),
      );
      await expectGeneric(
        await app.get(
          '/me',
          bearer(forge(header('ec', 'ES256'), claims(), 'ES256', keys.attacker.privateKey)),
        ),
      );
      await expectGeneric(
        await app.get(
          '/me',
          bearer(forge(header('hs-old', 'HS256'), claims(), 'HS256', keys.hsNew)),
        ),
      );
      await expectGeneric(
        await app.get('/me', bearer(forge(header('nope', 'HS256'), claims(), 'HS256', keys.hsNew))),
      );
      expect(events.last('authentication_failed')).toMatchObject({
        reason: 'JWT_KID_UNKNOWN',
        detail: 'expected one of "hs-new", "hs-old", "rsa", "ps", "ec", "ed", received "nope"',
      });
    });

    it('never follows jwk, jku or x5u headers', async () => {
      const jwk = keys.attacker.publicKey.export({ format: 'jwk' });
      const embedded = forge(
        { alg: 'ES256', typ: 'at+jwt', jwk },
        claims(),
        'ES256',
        keys.attacker.privateKey,
      );
      await expectGeneric(await app.get('/me', bearer(embedded)));
      const remote = forge(
        { alg: 'ES256', typ: 'at+jwt', kid: 'evil', jku: 'https://evil.example/jwks.json' },
        claims(),
        'ES256',
        keys.attacker.privateKey,
      );
      await expectGeneric(await app.get('/me', bearer(remote)));
      const x5u = forge(
        header('ec', 'ES256', { x5u: 'https://evil.example/cert.pem' }),
        claims(),
        'ES256',
        keys.attacker.privateKey,
      );
      await expectGeneric(await app.get('/me', bearer(x5u)));
    });

    it('refuses the high-S twin of a valid ES256 token: one token, one signature, one cache entry', async () => {
      const token = forge(
        header('ec', 'ES256'),
        claims({ sub: 'es-user' }),
        'ES256',
        keys.ec.privateKey,
      );
      const { low, high } = ecdsaSpellings(token, 'ES256');
      // Both verify as ECDSA signatures; only the low-S spelling is the token.
      expect((await app.get('/me', bearer(low))).status).toBe(200);
      await expectGeneric(await app.get('/me', bearer(high)));
      expect(events.last('authentication_failed')).toMatchObject({
        reason: 'JWT_SIGNATURE_NOT_CANONICAL',
      });
      // Also refused while the low-S spelling is cached, and the low one still works.
      await expectGeneric(await app.get('/me', bearer(high)));
      expect((await app.get('/me', bearer(low))).status).toBe(200);
    });

    it('refuses a validly signed token whose header or payload JSON starts with a BOM', async () => {
      // EdDSA and HS256: node:crypto checks the one, jsonwebtoken the other; both must refuse.
      const signers = [
        ['ed', 'EdDSA', keys.ed.privateKey],
        ['hs-new', 'HS256', keys.hsNew],
      ] as const;
      for (const [kid, alg, key] of signers) {
        for (const [part, token] of [
          ['header', forge(bomPart(header(kid, alg)), claims(), alg, key)],
          ['payload', forge(header(kid, alg), bomPart(claims()), alg, key)],
        ] as const) {
          await expectGeneric(await app.get('/me', bearer(token)));
          expect(events.last('authentication_failed'), `${alg} ${part}`).toMatchObject({
            reason: 'JWT_MALFORMED',
            detail: `${part} starts with a byte order mark`,
          });
        }
      }
    });

    it('refuses a validly signed token with a crit header', async () => {
      await expectGeneric(await app.get('/me', bearer(hs({}, { crit: ['exp'] }))));
      expect(events.last('authentication_failed')?.reason).toBe('JWT_CRIT_UNSUPPORTED');
    });
  });

  describe('malformed tokens', () => {
    it('refuses non-strict base64url and broken structure', async () => {
      const token = hs();
      const [h, p, s] = token.split('.') as [string, string, string];
      const padded = Buffer.from(JSON.stringify(claims())).toString('base64');
      const cases = [
        `${h}.${p}`,
        `${h}.${p}.${s}.${s}`,
        `${h}.${p}.${s}=`,
        `${h}==.${p}.${s}`,
        `${h}.${padded}.${s}`,
        `${h}.${p.replace(/-/g, '+').replace(/_/g, '/')}x.${s}`,
        `.${p}.${s}`,
        'not-a-jwt',
        `${h}.${p}.${s}`.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      ];
      for (const value of cases) await expectGeneric(await app.get('/me', bearer(value)));
      // A non-canonical spelling of the same bytes (trailing bits set) is refused too.
      const last = p.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      if (p.length % 4 !== 0) {
        const sibling = alphabet[alphabet.indexOf(last) + 1]!;
        const input = `${h}.${p.slice(0, -1)}${sibling}`;
        if (
          Buffer.from(`${p.slice(0, -1)}${sibling}`, 'base64url').equals(
            Buffer.from(p, 'base64url'),
          )
        ) {
          const crafted = `${input}.${signature('HS256', keys.hsNew, input)}`;
          await expectGeneric(await app.get('/me', bearer(crafted)));
        }
      }
    });

    it('refuses validly signed tokens whose payload is not a JSON object', async () => {
      for (const payload of [
        b64url('[1,2]'),
        b64url('"alice"'),
        b64url('42'),
        b64url('null'),
        b64url('{'),
      ]) {
        const t = forge(header('hs-new', 'HS256'), payload, 'HS256', keys.hsNew);
        await expectGeneric(await app.get('/me', bearer(t)));
      }
      const headerArray = forge(b64url('["HS256"]'), claims(), 'HS256', keys.hsNew);
      await expectGeneric(await app.get('/me', bearer(headerArray)));
    });

    it('refuses validly signed tokens with missing or malformed claims', async () => {
      const cases: Array<Record<string, unknown>> = [
        { exp: undefined },
        { exp: 'tomorrow' },
        { iat: undefined },
        { nbf: 'now' },
        { jti: undefined },
        { sub: undefined },
        { sub: 42 },
        { scope: ['reports:read'] },
      ];
      for (const extra of cases) await expectGeneric(await app.get('/me', bearer(hs(extra))));
    });
  });

  describe('time, issuer and audience', () => {
    it('honours exp up to the tolerance and not a millisecond more', async () => {
      const exp = now() + 30;
      const token = hs({ exp });
      expect((await app.get('/me', bearer(token))).status).toBe(200);
      clock.set(exp * 1000 + 5000 - 1);
      expect((await app.get('/me', bearer(token))).status).toBe(200);
      clock.advance(1);
      await expectGeneric(await app.get('/me', bearer(token)));
      expect(events.last('authentication_failed')).toMatchObject({
        reason: 'JWT_EXPIRED',
        detail: 'exp passed',
      });
    });

    it('honours nbf from the tolerance on', async () => {
      const nbf = now() + 60;
      const token = hs({ nbf, iat: nbf });
      await expectGeneric(await app.get('/me', bearer(token)));
      clock.set(nbf * 1000 - 5000 - 1);
      await expectGeneric(await app.get('/me', bearer(token)));
      clock.advance(1);
      expect((await app.get('/me', bearer(token))).status).toBe(200);
    });

    it('refuses a token issued in the future beyond the tolerance', async () => {
      await expectGeneric(await app.get('/me', bearer(hs({ iat: now() + 6 }))));
      expect((await app.get('/me', bearer(hs({ iat: now() + 4 })))).status).toBe(200);
    });

    it('refuses a wrong or missing issuer or audience', async () => {
      for (const extra of [
        { iss: 'someone-else' },
        { iss: undefined },
        { aud: 'other-api' },
        { aud: ['other-api', 'more'] },
        { aud: undefined },
      ]) {
        await expectGeneric(await app.get('/me', bearer(hs(extra))));
      }
      expect((await app.get('/me', bearer(hs({ aud: ['other', AUD] })))).status).toBe(200);
    });
  });

  describe('lifetimes per token type', () => {
    it('refuses an access token living longer than the access TTL plus the tolerance', async () => {
      // 900 s of access TTL and 5 s of tolerance (testJwtOptions).
      const t = now();
      expect((await app.get('/me', bearer(hs({ iat: t, nbf: t, exp: t + 905 })))).status).toBe(200);
      await expectGeneric(await app.get('/me', bearer(hs({ iat: t, nbf: t, exp: t + 906 }))));
      expect(events.last('authentication_failed')).toMatchObject({
        reason: 'JWT_LIFETIME_TOO_LONG',
        detail: 'lives 906 s, at most 905 s as an access token',
      });
      // As long as the refresh family (7200 s): what an access token could claim before.
      await expectGeneric(await app.get('/me', bearer(hs({ iat: t, nbf: t, exp: t + 7200 }))));
      // Another issuer's token (a verify-only key) is held to the same bound.
      const external = forge(
        header('rsa', 'RS256'),
        claims({ iat: t, nbf: t, exp: t + 3600 }),
        'RS256',
        keys.rsa.privateKey,
      );
      await expectGeneric(await app.get('/me', bearer(external)));
    });

    it('a token from createJwt has its own type: it never opens a route', async () => {
      const res = await app.post('/auth/custom-token', { username: 'alice', purpose: 'invite' });
      const { token } = (await res.json()) as { token: string };
      expect(headerOf(token).typ).toBe('custom+jwt');
      await expectGeneric(await app.get('/me', bearer(token)));
      expect(events.last('authentication_failed')).toMatchObject({
        reason: 'JWT_TYP_MISMATCH',
        detail: 'expected "at+jwt", received "custom+jwt"',
      });
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: token }));
    });
  });

  describe('token types', () => {
    it('refuses a refresh token as an access token, and the other way round', async () => {
      const pair = await loginPair(app);
      await expectGeneric(await app.get('/me', bearer(pair.refresh_token)));
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: pair.access_token }));
    });

    it('refuses tokens with a generic or missing typ', async () => {
      await expectGeneric(await app.get('/me', bearer(hs({}, { typ: 'JWT' }))));
      await expectGeneric(await app.get('/me', bearer(hs({}, { typ: undefined }))));
      await expectGeneric(await app.get('/me', bearer(hs({}, { typ: 'refresh+jwt' }))));
      expect((await app.get('/me', bearer(hs({}, { typ: 'application/AT+JWT' })))).status).toBe(
        200,
      );
    });
  });

  describe('refresh, rotation and reuse detection', () => {
    it('rotates: a new pair, whose access token is not fresh', async () => {
      const first = await loginPair(app);
      const res = await app.post('/auth/refresh', { refresh_token: first.refresh_token });
      expect(res.status).toBe(200);
      const second = (await res.json()) as typeof first;
      expect(second.refresh_token).not.toBe(first.refresh_token);
      const me = (await (await app.get('/me', bearer(second.access_token))).json()) as {
        fresh: boolean;
        claims: Record<string, unknown>;
      };
      expect(me.fresh).toBe(false);
      expect(me.claims.fam).toBeDefined();
      expect((await app.get('/me', bearer(first.access_token))).status).toBe(200);
    });

    it('a spent refresh token used again revokes the whole family and is reported', async () => {
      const first = await loginPair(app, 'bob');
      const second = (await (
        await app.post('/auth/refresh', { refresh_token: first.refresh_token })
      ).json()) as typeof first;
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: first.refresh_token }));
      const reuse = events.last('token_reuse_detected');
      expect(reuse).toMatchObject({ identity: 'bob', backend: 'jwt' });
      // Every token of the family is dead now, the ones issued before and after the reuse.
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: second.refresh_token }));
      await expectGeneric(await app.get('/me', bearer(second.access_token)));
      await expectGeneric(await app.get('/me', bearer(first.access_token)));
      // Another login of the same user is untouched.
      const other = await loginPair(app, 'bob');
      expect((await app.get('/me', bearer(other.access_token))).status).toBe(200);
    });

    it('an older refresh token of the family, replayed after later rotations, revokes it all', async () => {
      let pair = await loginPair(app, 'bob');
      const first = pair;
      for (let i = 0; i < 3; i++) {
        const res = await app.post('/auth/refresh', { refresh_token: pair.refresh_token });
        expect(res.status).toBe(200);
        pair = (await res.json()) as typeof pair;
      }
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: first.refresh_token }));
      expect(events.last('token_reuse_detected')).toMatchObject({ identity: 'bob' });
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: pair.refresh_token }));
      await expectGeneric(await app.get('/me', bearer(pair.access_token)));
    });

    it('refuses a validly signed refresh token whose generation is missing or malformed', async () => {
      const pair = await loginPair(app, 'bob');
      const [h, p] = pair.refresh_token.split('.') as [string, string];
      const claims = unpart(p);
      expect(claims.fam_gen).toBe(0);
      for (const fam_gen of [undefined, -1, 1.5, '1', null]) {
        const input = `${h}.${part({ ...claims, jti: jti(), fam_gen })}`;
        const crafted = `${input}.${signature('HS256', keys.hsNew, input)}`;
        await expectGeneric(await app.post('/auth/refresh', { refresh_token: crafted }));
      }
      // The genuine token still works: none of the crafted ones spent it.
      expect((await app.post('/auth/refresh', { refresh_token: pair.refresh_token })).status).toBe(
        200,
      );
    });

    it('reports every refused refresh once: garbage, the wrong type, a revoked family, a reuse', async () => {
      const refreshFailures = () => events.events.filter((e) => e.type === 'token_refresh_failed');
      const before = refreshFailures().length;
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: 'not.a.token' }));
      expect(events.last('token_refresh_failed')).toMatchObject({
        backend: 'jwt',
        reason: 'JWT_MALFORMED',
        identity: undefined,
      });
      await expectGeneric(await app.post('/auth/refresh', {}));
      expect(events.last('token_refresh_failed')).toMatchObject({ reason: 'CREDENTIAL_MISSING' });
      const pair = await loginPair(app, 'rita');
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: pair.access_token }));
      expect(events.last('token_refresh_failed')).toMatchObject({
        reason: 'JWT_TYP_MISMATCH',
        detail: 'expected "refresh+jwt", received "at+jwt"',
      });
      const out = await app.post(
        '/auth/logout',
        { refresh_token: pair.refresh_token },
        bearer(pair.access_token),
      );
      expect(out.status).toBe(204);
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: pair.refresh_token }));
      expect(events.last('token_refresh_failed')).toMatchObject({
        reason: 'TOKEN_REVOKED',
        identity: 'rita',
        credentialId: claimsOf(pair.refresh_token).jti,
      });
      expect(refreshFailures().length - before).toBe(4);
      // A reuse is its own event, token_reuse_detected, and not also a refresh failure.
      const spent = await loginPair(app, 'rita');
      expect((await app.post('/auth/refresh', { refresh_token: spent.refresh_token })).status).toBe(
        200,
      );
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: spent.refresh_token }));
      expect(events.last('token_reuse_detected')).toMatchObject({
        identity: 'rita',
        reason: 'TOKEN_REFRESH_REUSED',
      });
      expect(refreshFailures().length - before).toBe(4);
    });

    it('of concurrent refreshes with one token, exactly one succeeds', async () => {
      const pair = await loginPair(app, 'carol');
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          app.post('/auth/refresh', { refresh_token: pair.refresh_token }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
      for (const res of results.filter((r) => r.status === 401)) await expectGeneric(res);
    });

    it('a family ends at its absolute lifetime, however often it is refreshed', async () => {
      let pair = await loginPair(app, 'dave');
      const started = clock.now();
      for (let i = 0; i < 3; i++) {
        clock.advance(3000_000);
        const res = await app.post('/auth/refresh', { refresh_token: pair.refresh_token });
        if (clock.now() - started >= 7200_000) {
          await expectGeneric(res);
          return;
        }
        expect(res.status).toBe(200);
        pair = (await res.json()) as typeof pair;
      }
      throw new Error('the family outlived its lifetime');
    });
  });

  describe('fresh tokens', () => {
    it('only a login token is fresh, and a window limits it', async () => {
      const pair = await loginPair(app);
      expect((await app.post('/fresh', {}, bearer(pair.access_token))).status).toBe(200);
      expect((await app.post('/fresh-window', {}, bearer(pair.access_token))).status).toBe(200);
      const refreshed = (await (
        await app.post('/auth/refresh', { refresh_token: pair.refresh_token })
      ).json()) as typeof pair;
      await expectGeneric(await app.post('/fresh', {}, bearer(refreshed.access_token)), 403);
      clock.advance(301_000);
      await expectGeneric(await app.post('/fresh-window', {}, bearer(pair.access_token)), 403);
      expect((await app.post('/fresh', {}, bearer(pair.access_token))).status).toBe(200);
    });

    it('a forged fresh claim without a valid signature does not help', async () => {
      const [h, p] = hs().split('.');
      const fresh = part({ ...unpart(p!), fresh: true });
      await expectGeneric(await app.post('/fresh', {}, bearer(`${h}.${fresh}.AAAA`)));
    });
  });

  describe('revocation', () => {
    it('logout revokes the access token and its login, not other logins', async () => {
      const pair = await loginPair(app, 'erin');
      const other = await loginPair(app, 'erin');
      expect(
        (
          await app.post(
            '/auth/logout',
            { refresh_token: pair.refresh_token },
            bearer(pair.access_token),
          )
        ).status,
      ).toBe(204);
      await expectGeneric(await app.get('/me', bearer(pair.access_token)));
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: pair.refresh_token }));
      expect((await app.get('/me', bearer(other.access_token))).status).toBe(200);
      expect(events.last('authentication_failed')?.reason).toBe('TOKEN_REVOKED');
    });

    it('logout-all refuses every earlier token of the user, but not later logins', async () => {
      const a = await loginPair(app, 'frank');
      const b = await loginPair(app, 'frank');
      const external = hs({ sub: 'frank' });
      expect((await app.post('/auth/logout-all', {}, bearer(a.access_token))).status).toBe(204);
      await expectGeneric(await app.get('/me', bearer(b.access_token)));
      await expectGeneric(await app.get('/me', bearer(external)));
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: b.refresh_token }));
      clock.advance(1);
      const later = await loginPair(app, 'frank');
      expect((await app.get('/me', bearer(later.access_token))).status).toBe(200);
      expect(
        (await app.get('/me', bearer((await loginPair(app, 'gina')).access_token))).status,
      ).toBe(200);
    });
    it('logout-all outlasts every token it refuses, whatever lifetime the token claims', async () => {
      // Tokens of a verify-only key come from another issuer, which picks their lifetime.
      const t = now();
      const external = (exp: number) =>
        forge(
          header('rsa', 'RS256'),
          claims({ sub: 'hank', iat: t, nbf: t, exp }),
          'RS256',
          keys.rsa.privateKey,
        );
      // The longest an access token may live here: the access TTL plus the tolerance.
      const longest = external(t + 905);
      const dayLong = external(t + 86_400);
      const pair = await loginPair(app, 'hank');
      expect((await app.get('/me', bearer(longest))).status).toBe(200);
      expect((await app.post('/auth/logout-all', {}, bearer(pair.access_token))).status).toBe(204);
      for (const step of [0, 300_000, 300_000, 300_000, 3_000_000]) {
        clock.advance(step);
        await expectGeneric(await app.get('/me', bearer(dayLong)));
        if (clock.now() < (t + 905) * 1000) {
          await expectGeneric(await app.get('/me', bearer(longest)));
        }
      }
      // The family lives longest: its refresh token is refused until the family has ended.
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: pair.refresh_token }));
    });
  });

  describe('scopes', () => {
    it('a token with scopes narrows the user permissions', async () => {
      const narrow = await loginPair(app, 'alice', { scopes: ['reports:read'] });
      await expectGeneric(await app.post('/reports', {}, bearer(narrow.access_token)), 403);
      const full = await loginPair(app, 'alice');
      expect((await app.post('/reports', {}, bearer(full.access_token))).status).toBe(200);
    });
  });

  describe('cookie transport', () => {
    const cookieLogin = async () => {
      const jar = new CookieJar();
      const res = await app.send('/auth/login-cookie', {
        method: 'POST',
        json: { username: 'alice' },
        jar,
      });
      expect(res.status).toBe(200);
      const csrf = ((await res.json()) as { csrf_token: string }).csrf_token;
      return { csrf, setCookies: res.headers.getSetCookie(), jar };
    };

    it('sets HttpOnly, Secure, SameSite, prefixed cookies with a narrow refresh path', async () => {
      const { setCookies, csrf, jar } = await cookieLogin();
      const line = (name: string) => setCookies.find((l) => l.startsWith(`${name}=`))!;
      expect(line('__Host-access_token')).toMatch(
        /; Max-Age=900; Path=\/; HttpOnly; Secure; SameSite=Lax/,
      );
      expect(line('__Secure-refresh_token')).toMatch(
        /; Max-Age=3600; Path=\/auth\/refresh; HttpOnly; Secure; SameSite=Strict/,
      );
      expect(line('__Host-csrf_token')).toMatch(/; Path=\/; Secure; SameSite=Lax/);
      expect(line('__Host-csrf_token')).not.toMatch(/HttpOnly/);
      expect(jar.get('__Host-csrf_token')).toBe(csrf);
    });

    it('authenticates safe methods by cookie alone', async () => {
      const { jar } = await cookieLogin();
      const res = await app.get('/me', { cookie: jar.header(['__Host-access_token'])! });
      expect(res.status).toBe(200);
      expect(await body(res)).toMatchObject({ identity: 'alice' });
    });

    it('requires the CSRF header on unsafe methods, matching the cookie', async () => {
      const { jar, csrf } = await cookieLogin();
      const cookie = jar.header(['__Host-access_token', '__Host-csrf_token'])!;
      await expectGeneric(await app.post('/write', {}, { cookie }), 403);
      await expectGeneric(await app.post('/write', {}, { cookie, 'x-csrf-token': 'wrong' }), 403);
      await expectGeneric(
        await app.post('/write', {}, { cookie, 'x-csrf-token': `${csrf}x` }),
        403,
      );
      await expectGeneric(
        await app.post(
          '/write',
          {},
          {
            cookie: jar.header(['__Host-access_token'])!,
            'x-csrf-token': csrf,
          },
        ),
        403,
      );
      expect(events.last('permission_denied')).toMatchObject({
        reason: 'CSRF_TOKEN_INVALID',
        detail: 'header does not match',
        identity: 'alice',
      });
      expect((await app.post('/write', {}, { cookie, 'x-csrf-token': csrf })).status).toBe(200);
      const del = await app.delete('/write', { cookie });
      await expectGeneric(del, 403);
    });

    it('refuses a cookie-authenticated write from another site, even with the CSRF token', async () => {
      const { jar, csrf } = await cookieLogin();
      const cookie = jar.header(['__Host-access_token', '__Host-csrf_token'])!;
      const write = (extra: HeaderMap) =>
        app.post('/write', {}, { cookie, 'x-csrf-token': csrf, ...extra });
      await expectGeneric(await write({ origin: 'https://evil.example' }), 403);
      expect(events.last('permission_denied')).toMatchObject({
        reason: 'CSRF_ORIGIN_REJECTED',
        detail: 'Origin "https://evil.example"',
      });
      await expectGeneric(await write({ 'sec-fetch-site': 'cross-site' }), 403);
      expect(events.last('permission_denied')).toMatchObject({
        reason: 'CSRF_ORIGIN_REJECTED',
        detail: 'Sec-Fetch-Site "cross-site"',
      });
      await expectGeneric(await write({ 'sec-fetch-site': 'same-site' }), 403);
      // The app's own origin and a configured trusted one pass, as do clients that send neither.
      expect((await write({ origin: app.url, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
      expect((await write({ origin: 'https://app.example.com' })).status).toBe(200);
      expect((await write({})).status).toBe(200);
    });

    it('a bearer token needs no CSRF header, and a forged cookie token is 401', async () => {
      const { jar } = await cookieLogin();
      expect((await app.post('/write', {}, bearer(jar.get('__Host-access_token')!))).status).toBe(
        200,
      );
      await expectGeneric(
        await app.post('/write', {}, { cookie: `__Host-access_token=${hs().slice(0, -3)}` }),
      );
    });

    it('refreshes through the narrow-path cookie with CSRF, and logout clears the cookies', async () => {
      const { jar, csrf } = await cookieLogin();
      const cookie = jar.header(['__Secure-refresh_token', '__Host-csrf_token'])!;
      await expectGeneric(await app.post('/auth/refresh-cookie', {}, { cookie }), 403);
      const res = await app.post('/auth/refresh-cookie', {}, { cookie, 'x-csrf-token': csrf });
      expect(res.status).toBe(204);
      expect(res.headers.getSetCookie()).toHaveLength(3);
      const out = await app.post('/auth/logout', {}, bearer(jar.get('__Host-access_token')!));
      expect(out.status).toBe(204);
      expect(out.headers.getSetCookie().every((l) => /Max-Age=0/.test(l))).toBe(true);
    });

    it('does not read tokens from the query string or body unless opted in', async () => {
      const token = hs();
      await expectGeneric(await app.get(`/me?access_token=${token}`));
      await expectGeneric(await app.post('/write', { access_token: token }));
    });
  });
});

describe.each(adapters)('JWT backend with opt-in locations (%s)', (adapter) => {
  let app: RunningApp;
  const clock = new FakeClock(START);
  beforeAll(async () => {
    app = await startApp(
      adapter,
      jwtAppModule({
        algorithms: ['HS256'],
        secret: keys.hsNew,
        tokenLocations: ['header', 'query', 'body'],
      }),
      (b) => b.overrideProvider(Clock).useValue(clock),
    );
  });
  afterAll(() => app.close());

  it('reads the query string and the JSON body, in the configured order', async () => {
    const pair = await loginPair(app, 'quinn');
    expect((await app.get(`/me?access_token=${pair.access_token}`)).status).toBe(200);
    const res = await app.post('/write', { access_token: pair.access_token });
    expect(res.status).toBe(200);
    const both = await app.get(`/me?access_token=${pair.access_token}&access_token=x`);
    await expectGeneric(both);
  });

  it('a token without kid is verified by the only key of its algorithm', async () => {
    const t = Math.floor(clock.now() / 1000);
    const token = forge(
      { alg: 'HS256', typ: 'at+jwt' },
      { sub: 'zoe', iat: t, exp: t + 60, jti: jti() },
      'HS256',
      keys.hsNew,
    );
    expect((await app.get('/me', bearer(token))).status).toBe(200);
  });

  it('serves an empty JWKS under HS256', async () => {
    expect(await (await app.get('/.well-known/jwks.json')).json()).toEqual({ keys: [] });
  });
});

describe.each(adapters)('JWT refresh with a reuse grace window (%s)', (adapter) => {
  let app: RunningApp;
  let events: RecordingEvents;
  const clock = new FakeClock(START);
  beforeAll(async () => {
    app = await startApp(adapter, jwtAppModule({ ...options, refreshReuseGraceSeconds: 10 }), (b) =>
      b.overrideProvider(Clock).useValue(clock),
    );
    events = app.app.get(AuthEvents) as RecordingEvents;
  });
  afterAll(() => app.close());
  beforeEach(() => clock.advance(60_000));

  const refresh = (token: string) => app.post('/auth/refresh', { refresh_token: token });

  it('concurrent refreshes with one token: one pair, the others refused, the login kept', async () => {
    const pair = await loginPair(app, 'gail');
    const results = await Promise.all(Array.from({ length: 8 }, () => refresh(pair.refresh_token)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
    for (const res of results.filter((r) => r.status === 401)) await expectGeneric(res);
    const winner = (await results.find((r) => r.status === 200)!.json()) as typeof pair;
    // Each refusal says it was within the window; none revoked the family.
    const inGrace = events.events.filter(
      (e) => e.type === 'token_refresh_failed' && e.reason === 'TOKEN_REFRESH_IN_GRACE',
    );
    expect(inGrace).toHaveLength(7);
    expect(inGrace[0]).toMatchObject({ identity: 'gail', backend: 'jwt' });
    expect(events.last('token_reuse_detected')).toBeUndefined();
    expect((await app.get('/me', bearer(winner.access_token))).status).toBe(200);
    expect((await app.get('/me', bearer(pair.access_token))).status).toBe(200);
    expect((await refresh(winner.refresh_token)).status).toBe(200);
  });

  it('a second presentation up to the window’s end is refused alone; after it, it revokes the family', async () => {
    const pair = await loginPair(app, 'hugo');
    const next = (await (await refresh(pair.refresh_token)).json()) as typeof pair;
    clock.advance(10_000);
    await expectGeneric(await refresh(pair.refresh_token));
    expect(events.last('token_refresh_failed')).toMatchObject({
      identity: 'hugo',
      reason: 'TOKEN_REFRESH_IN_GRACE',
    });
    expect((await app.get('/me', bearer(next.access_token))).status).toBe(200);
    clock.advance(1);
    await expectGeneric(await refresh(pair.refresh_token));
    expect(events.last('token_reuse_detected')).toMatchObject({
      identity: 'hugo',
      reason: 'TOKEN_REFRESH_REUSED',
    });
    await expectGeneric(await app.get('/me', bearer(next.access_token)));
    await expectGeneric(await refresh(next.refresh_token));
  });

  it('an older generation replayed within the window is still a reuse', async () => {
    const first = await loginPair(app, 'iris');
    const second = (await (await refresh(first.refresh_token)).json()) as typeof first;
    const third = (await (await refresh(second.refresh_token)).json()) as typeof first;
    await expectGeneric(await refresh(first.refresh_token));
    expect(events.last('token_reuse_detected')).toMatchObject({ identity: 'iris' });
    await expectGeneric(await app.get('/me', bearer(third.access_token)));
  });
});

describe.each(adapters)('JWT refresh racing a logout-everywhere (%s)', (adapter) => {
  let app: RunningApp;
  let store: GatedRevocationStore;
  const clock = new FakeClock(START);
  beforeAll(async () => {
    app = await startApp(
      adapter,
      jwtAppModule(options, [{ provide: RevocationStore, useClass: GatedRevocationStore }]),
      (b) => b.overrideProvider(Clock).useValue(clock),
    );
    store = app.app.get(RevocationStore) as GatedRevocationStore;
  });
  afterAll(() => app.close());

  it('a refresh in flight when the user is logged out everywhere yields nothing usable', async () => {
    const stolen = await loginPair(app, 'ivy');
    const victim = await loginPair(app, 'ivy');
    clock.advance(1000);
    // The thief's refresh has passed its revocation check and is about to spend the token...
    const held = store.hold();
    const refreshing = app.post('/auth/refresh', { refresh_token: stolen.refresh_token });
    await held.reached;
    // ...when the victim logs out everywhere.
    clock.advance(1);
    const out = await app.post('/auth/logout-all', {}, bearer(victim.access_token));
    expect(out.status).toBe(204);
    clock.advance(1);
    held.release();
    const res = await refreshing;
    if (res.status === 200) {
      const pair = (await res.json()) as { access_token: string; refresh_token: string };
      clock.advance(1000);
      await expectGeneric(await app.get('/me', bearer(pair.access_token)));
      await expectGeneric(await app.post('/auth/refresh', { refresh_token: pair.refresh_token }));
    } else {
      await expectGeneric(res);
    }
    // A login after the cut-off works.
    const later = await loginPair(app, 'ivy');
    expect((await app.get('/me', bearer(later.access_token))).status).toBe(200);
  });
});

describe.each(adapters)('TokenService given a credential that is not a JWT (%s)', (adapter) => {
  let app: RunningApp;
  const clock = new FakeClock(START);
  beforeAll(async () => {
    app = await startApp(adapter, jwtAppModule(options, [], [headerBackend('api-key')]), (b) =>
      b.overrideProvider(Clock).useValue(clock),
    );
  });
  afterAll(() => app.close());

  it('logout, revoke and logout-others answer 403 on a route without @Auth("jwt"), never 500', async () => {
    // The README's logout route, reached with an API key instead of a bearer token.
    const apiKey = { 'x-test-user': 'alice' };
    expect((await app.get('/me', apiKey)).status).toBe(200);
    for (const path of ['/auth/logout', '/auth/revoke', '/auth/logout-others']) {
      await expectGeneric(await app.post(path, {}, apiKey), 403);
    }
    const events = app.app.get(AuthEvents) as RecordingEvents;
    expect(events.events.some((e) => e.type === 'logout' || e.type === 'token_revoked')).toBe(
      false,
    );
    // With a JWT the same routes work.
    const pair = await loginPair(app, 'alice');
    expect((await app.post('/auth/logout', {}, bearer(pair.access_token))).status).toBe(204);
  });

  it('logout-others with a standalone token answers 403 and revokes nothing, never 500', async () => {
    const login = await loginPair(app, 'bob');
    const standalone = await app.app.get(TokenService).issueAccessToken('bob');
    // A standalone token belongs to no login, so there is no login for `except` to keep.
    await expectGeneric(await app.post('/auth/logout-others', {}, bearer(standalone)), 403);
    expect((await app.get('/me', bearer(standalone))).status).toBe(200);
    expect((await app.get('/me', bearer(login.access_token))).status).toBe(200);
    const events = app.app.get(AuthEvents) as RecordingEvents;
    expect(events.events.some((e) => e.type === 'user_tokens_revoked')).toBe(false);
    // From a login, the same route works, and the other tokens of the user are refused.
    const out = await app.post('/auth/logout-others', {}, bearer(login.access_token));
    expect(out.status).toBe(204);
    expect((await app.get('/me', bearer(standalone))).status).toBe(401);
    expect((await app.get('/me', bearer(login.access_token))).status).toBe(200);
  });
});

describe.each(adapters)('one account flooding the in-memory revocation store (%s)', (adapter) => {
  let app: RunningApp;
  let events: RecordingEvents;
  let store: InMemoryRevocationStore;
  const clock = new FakeClock(START);
  beforeAll(async () => {
    app = await startApp(
      adapter,
      jwtAppModule(options, [
        {
          provide: IN_MEMORY_REVOCATION_OPTIONS,
          useValue: { maxRevocations: 100, maxFamilies: 100, maxEntriesPerUser: 10 },
        },
      ]),
      (b) => b.overrideProvider(Clock).useValue(clock),
    );
    events = app.app.get(AuthEvents) as RecordingEvents;
    store = app.app.get(RevocationStore) as InMemoryRevocationStore;
  });
  afterAll(() => app.close());
  beforeEach(() => clock.advance(1000));

  const refresh = (token: string) => app.post('/auth/refresh', { refresh_token: token });
  const logout = (pair: { access_token: string; refresh_token: string }) =>
    app.post('/auth/logout', { refresh_token: pair.refresh_token }, bearer(pair.access_token));

  it('login and logout in a loop: every logout works, the account holds its quota at most, and nobody else gets 503', async () => {
    const before = store.size;
    for (let i = 0; i < 60; i++) {
      clock.advance(10);
      const pair = await loginPair(app, 'mallory');
      expect((await logout(pair)).status, `logout ${i}`).toBe(204);
      // Every logout took effect, past the quota too.
      await expectGeneric(await app.get('/me', bearer(pair.access_token)));
      await expectGeneric(await refresh(pair.refresh_token));
    }
    // 60 logouts would be 120 entries; past the quota they fold into one cut-off of the user.
    expect(store.size - before).toBeLessThanOrEqual(11);
    expect(events.last('user_tokens_revoked')).toMatchObject({
      identity: 'mallory',
      reason: 'REVOCATION_QUOTA_EXCEEDED',
    });
    for (const user of ['ann', 'ben', 'cy', 'dee', 'eve', 'fay']) {
      const pair = await loginPair(app, user);
      const res = await refresh(pair.refresh_token);
      expect(res.status, user).toBe(200);
      expect((await logout((await res.json()) as typeof pair)).status, user).toBe(204);
    }
    // The account itself works again from the next login on.
    clock.advance(1);
    const again = await loginPair(app, 'mallory');
    expect((await app.get('/me', bearer(again.access_token))).status).toBe(200);
  });

  it('login and refresh in a loop: past the quota only that account’s new logins cannot refresh', async () => {
    for (let i = 0; i < 10; i++) {
      const pair = await loginPair(app, 'oscar');
      expect((await refresh(pair.refresh_token)).status, `refresh ${i}`).toBe(200);
    }
    const over = await loginPair(app, 'oscar');
    await expectGeneric(await refresh(over.refresh_token), 503);
    expect(events.last('auth_unavailable')).toMatchObject({
      identity: 'oscar',
      reason: 'REVOCATION_QUOTA_EXCEEDED',
    });
    for (const user of ['gus', 'hal', 'ida']) {
      expect((await refresh((await loginPair(app, user)).refresh_token)).status, user).toBe(200);
    }
  });
});

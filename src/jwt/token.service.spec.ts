import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  AuthConfigurationError,
  AuthenticationFailedError,
  AuthEvents,
  AuthModule,
  AuthResults,
  Clock,
  IN_MEMORY_REVOCATION_OPTIONS,
  JwtBackend,
  RESERVED_CLAIMS,
  TokenService,
  type AuthSuccess,
  type JwtOptions,
} from 'nestjs-gatehouse';
import { RedisRevocationStore } from 'nestjs-gatehouse/redis';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { JwtUsers } from '../../test/apps/jwt.app.js';
import { claimsOf, ecdsaS, headerOf } from '../../test/support/jwt-forge.js';
import { RecordingEvents } from '../../test/support/recording-events.js';

const START = Date.parse('2030-01-01T00:00:00Z');

async function service(
  jwt: JwtOptions | undefined,
  clock = new FakeClock(START),
  providers: Provider[] = [],
) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AuthModule.forRoot({
        backends: [JwtBackend],
        userModel: JwtUsers,
        events: RecordingEvents,
        providers,
        ...(jwt ? { jwt } : {}),
      }),
    ],
  })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  return {
    tokens: moduleRef.get(TokenService),
    events: moduleRef.get(AuthEvents) as RecordingEvents,
    clock,
  };
}

/** HS256 options with a fresh secret, 10-minute access tokens and 1-hour refresh tokens in 2-hour families. */
function withLifetimes(extra: Partial<JwtOptions> = {}): JwtOptions {
  return {
    algorithms: ['HS256'],
    secret: randomBytes(32),
    accessTokenTtlSeconds: 600,
    refreshTokenTtlSeconds: 3600,
    refreshFamilyLifetimeSeconds: 7200,
    ...extra,
  };
}

describe('TokenService', () => {
  it('fails the bootstrap when JwtBackend has no jwt options, naming the option', async () => {
    await expect(service(undefined)).rejects.toThrowError(AuthConfigurationError);
    await expect(service(undefined)).rejects.toThrowError(/"jwt".*Fix:/);
  });

  it('createJwt signs a payload with iat, nbf, exp and jti, as a token of its own type', async () => {
    const { tokens, clock } = await service({ algorithms: ['HS256'], secret: randomBytes(32) });
    const token = await tokens.createJwt({ sub: 'u1', plan: 'pro' }, { expiresIn: 60 });
    expect(headerOf(token).typ).toBe('custom+jwt');
    const verified = await tokens.verify(token, { type: 'custom' });
    expect(verified).toMatchObject({ type: 'custom', subject: 'u1', fresh: false });
    expect(verified.claims).toMatchObject({ sub: 'u1', plan: 'pro', exp: START / 1000 + 60 });
    expect(verified.claims.iat).toBe(START / 1000);
    expect(verified.expiresAt - clock.now()).toBe(60_000);
    // Never an access token (nor a refresh token): it opens no route.
    await expect(tokens.verify(token)).rejects.toMatchObject({ reason: 'JWT_TYP_MISMATCH' });
    await expect(tokens.verify(token, { type: 'refresh' })).rejects.toMatchObject({
      reason: 'JWT_TYP_MISMATCH',
    });
    await expect(tokens.createJwt({ plan: 'pro' })).rejects.toThrowError(/identity claim "sub"/);
    clock.advance(66_000);
    await expect(tokens.verify(token, { type: 'custom' })).rejects.toBeInstanceOf(
      AuthenticationFailedError,
    );
  });

  it('createJwt tokens live jwt.customTokenTtlSeconds by default, and never longer', async () => {
    const secret = randomBytes(32);
    const { tokens, clock } = await service({ algorithms: ['HS256'], secret });
    // The default bound: 15 minutes, whatever the refresh family's lifetime.
    const token = await tokens.createJwt({ sub: 'u1' });
    expect((await tokens.verify(token, { type: 'custom' })).expiresAt - clock.now()).toBe(900_000);
    await expect(tokens.createJwt({ sub: 'u1' }, { expiresIn: 901 })).rejects.toThrowError(
      /at most 900 seconds.*jwt\.customTokenTtlSeconds/,
    );
    const { tokens: longer } = await service({
      algorithms: ['HS256'],
      secret,
      customTokenTtlSeconds: 86_400,
    });
    const dayLong = await longer.createJwt({ sub: 'u1' }, { expiresIn: 86_400 });
    await expect(longer.verify(dayLong, { type: 'custom' })).resolves.toMatchObject({
      subject: 'u1',
    });
    // Signed with the same key, but longer than this configuration allows a custom token.
    await expect(tokens.verify(dayLong, { type: 'custom' })).rejects.toMatchObject({
      reason: 'JWT_LIFETIME_TOO_LONG',
    });
  });

  it('bounds each token type by its own lifetime plus the tolerance, as issued and as verified', async () => {
    const jwt = withLifetimes();
    const { tokens } = await service(jwt);
    await expect(tokens.issueAccessToken('u1', { expiresIn: 601 })).rejects.toThrowError(
      /at most 600 seconds.*jwt\.accessTokenTtlSeconds/,
    );
    // The same key, configured elsewhere with longer lifetimes.
    const { tokens: other } = await service({
      ...jwt,
      accessTokenTtlSeconds: 7200,
      refreshTokenTtlSeconds: 7200,
    });
    const longAccess = await other.issueAccessToken('u1', { expiresIn: 606 });
    await expect(other.verify(longAccess)).resolves.toMatchObject({ subject: 'u1' });
    await expect(tokens.verify(longAccess)).rejects.toMatchObject({
      reason: 'JWT_LIFETIME_TOO_LONG',
      detail: 'lives 606 s, at most 605 s as an access token',
    });
    await expect(
      tokens.verify(await other.issueAccessToken('u1', { expiresIn: 605 })),
    ).resolves.toMatchObject({ subject: 'u1' });
    const longRefresh = (await other.issuePair('u1')).refresh_token;
    await expect(tokens.verify(longRefresh, { type: 'refresh' })).rejects.toMatchObject({
      reason: 'JWT_LIFETIME_TOO_LONG',
      detail: 'lives 7200 s, at most 3605 s as a refresh token',
    });
    await expect(tokens.refresh(longRefresh)).rejects.toBeInstanceOf(AuthenticationFailedError);
    // A family claiming to last longer than the family lifetime is refused too.
    const { tokens: longFamily } = await service({ ...jwt, refreshFamilyLifetimeSeconds: 86_400 });
    await expect(
      tokens.verify((await longFamily.issuePair('u1')).refresh_token, { type: 'refresh' }),
    ).rejects.toMatchObject({
      reason: 'JWT_LIFETIME_TOO_LONG',
      detail: 'family ends 86400 s after iat, at most 7205 s',
    });
  });

  it('refuses custom claims that would overwrite reserved ones', async () => {
    const { tokens } = await service({ algorithms: ['HS256'], secret: randomBytes(32) });
    for (const claim of RESERVED_CLAIMS) {
      await expect(tokens.issuePair('u1', { claims: { [claim]: 'x' } })).rejects.toThrowError(
        /reserved/,
      );
    }
    await expect(tokens.createJwt({ sub: 'u1', jti: 'mine' })).rejects.toThrowError(/reserved/);
  });

  it('carries custom claims and scopes through refreshes, with a new jti each time', async () => {
    const { tokens, events } = await service({ algorithms: ['HS256'], secret: randomBytes(32) });
    const first = await tokens.issuePair('u1', { claims: { tenant: 't' }, scopes: ['a', 'b'] });
    const second = await tokens.refresh(first.refresh_token);
    const access = await tokens.verify(second.access_token);
    expect(access.claims).toMatchObject({ tenant: 't', scope: 'a b' });
    expect(access.scopes).toEqual(['a', 'b']);
    expect(access.fresh).toBe(false);
    expect(access.id).not.toBe(claimsOf(first.access_token).jti);
    expect(events.events.map((e) => e.type)).toEqual(['token_issued', 'token_refreshed']);
  });

  it('signs with ES256 and EdDSA keys and publishes them as a JWKS', async () => {
    for (const [alg, pair] of [
      ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' })],
      ['EdDSA', generateKeyPairSync('ed25519')],
      ['PS256', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ] as const) {
      const { tokens } = await service({ algorithms: [alg], privateKey: pair.privateKey });
      const pairOfTokens = await tokens.issuePair('u1');
      expect(headerOf(pairOfTokens.access_token)).toMatchObject({ alg, typ: 'at+jwt' });
      expect((await tokens.verify(pairOfTokens.access_token)).subject).toBe('u1');
      const jwks = tokens.jwks();
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({
        alg,
        use: 'sig',
        kid: headerOf(pairOfTokens.access_token).kid,
      });
      expect(jwks.keys[0]).not.toHaveProperty('d');
    }
  });

  it('signs ECDSA tokens with the low S only, so the token it issues is the one spelling accepted', async () => {
    for (const [alg, curve] of [
      ['ES256', 'P-256'],
      ['ES384', 'P-384'],
      ['ES512', 'P-521'],
    ] as const) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const { tokens } = await service({ algorithms: [alg], privateKey });
      for (let i = 0; i < 24; i++) {
        const token = await tokens.issueAccessToken('u1');
        const { s, n } = ecdsaS(token, alg);
        expect(s * 2n <= n, `${alg} token ${i} has a high S`).toBe(true);
        await expect(tokens.verify(token)).resolves.toMatchObject({ subject: 'u1' });
      }
    }
  });

  it('rotates signing keys: tokens of the retiring key verify until it is removed', async () => {
    const oldKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const newKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const before = await service({
      algorithms: ['ES256'],
      keys: [{ kid: 'k1', privateKey: oldKey.privateKey }],
    });
    const oldToken = await before.tokens.issueAccessToken('u1');
    const during = await service({
      algorithms: ['ES256'],
      keys: [
        { kid: 'k2', privateKey: newKey.privateKey },
        { kid: 'k1', publicKey: oldKey.publicKey },
      ],
    });
    expect((await during.tokens.verify(oldToken)).kid).toBe('k1');
    expect(headerOf(await during.tokens.issueAccessToken('u1')).kid).toBe('k2');
    const after = await service({
      algorithms: ['ES256'],
      keys: [{ kid: 'k2', privateKey: newKey.privateKey }],
    });
    await expect(after.tokens.verify(oldToken)).rejects.toThrowError(AuthenticationFailedError);
  });

  it('refuses tokens older than maxTokenAgeSeconds whatever their exp', async () => {
    const { tokens, clock } = await service({
      algorithms: ['HS256'],
      secret: randomBytes(32),
      maxTokenAgeSeconds: 120,
      clockToleranceSeconds: 0,
      accessTokenTtlSeconds: 3600,
    });
    const token = await tokens.issueAccessToken('u1');
    clock.advance(119_999);
    await expect(tokens.verify(token)).resolves.toMatchObject({ subject: 'u1' });
    clock.advance(1);
    await expect(tokens.verify(token)).rejects.toThrowError(AuthenticationFailedError);
  });

  it('never issues or accepts a token that would outlive a logout-everywhere cut-off', async () => {
    const jwt = withLifetimes({ customTokenTtlSeconds: 7200 });
    const { tokens } = await service(jwt);
    await expect(tokens.createJwt({ sub: 'u1' }, { expiresIn: 7201 })).rejects.toThrowError(
      /at most 7200 seconds/,
    );
    const longest = await tokens.createJwt({ sub: 'u1' }, { expiresIn: 7200 });
    await expect(tokens.verify(longest, { type: 'custom' })).resolves.toMatchObject({
      subject: 'u1',
    });
    // The same key, configured elsewhere with longer lifetimes, signs a longer token.
    const { tokens: other } = await service({ ...jwt, customTokenTtlSeconds: 86_400 });
    const dayLong = await other.createJwt({ sub: 'u1' }, { expiresIn: 86_400 });
    await expect(other.verify(dayLong, { type: 'custom' })).resolves.toMatchObject({
      subject: 'u1',
    });
    await expect(tokens.verify(dayLong, { type: 'custom' })).rejects.toThrowError(
      AuthenticationFailedError,
    );
  });

  it('uses the configured identity claim', async () => {
    const { tokens } = await service({
      algorithms: ['HS256'],
      secret: randomBytes(32),
      identityClaim: 'uid',
    });
    const pair = await tokens.issuePair('u7');
    expect(claimsOf(pair.access_token)).toMatchObject({ uid: 'u7' });
    expect(claimsOf(pair.access_token)).not.toHaveProperty('sub');
    expect((await tokens.verify(pair.access_token)).subject).toBe('u7');
    expect((await tokens.refresh(pair.refresh_token)).token_type).toBe('bearer');
  });

  it('checks revocation on every verify, cached or not', async () => {
    const { tokens } = await service({ algorithms: ['HS256'], secret: randomBytes(32) });
    const pair = await tokens.issuePair('u1');
    const verified = await tokens.verify(pair.access_token);
    expect(await tokens.verify(pair.access_token)).toBe(verified);
    await tokens.revoke(verified);
    await expect(tokens.verify(pair.access_token)).rejects.toThrowError(AuthenticationFailedError);
  });

  it('issues no token without a key that can sign, and says which option to fix', async () => {
    const ed = generateKeyPairSync('ed25519');
    const { tokens } = await service({ algorithms: ['EdDSA'], publicKey: ed.publicKey });
    await expect(tokens.createJwt({ sub: 'u1' })).rejects.toThrowError(/jwt.keys.*Fix:/);
  });
});

describe('TokenService.issuePair and refresh', () => {
  it('tell the refresh family and when the refresh token expires, outside the JSON body', async () => {
    const { tokens, clock } = await service({
      algorithms: ['HS256'],
      secret: randomBytes(32),
      refreshTokenTtlSeconds: 3600,
    });
    const pair = await tokens.issuePair('u1');
    const refresh = await tokens.verify(pair.refresh_token, { type: 'refresh' });
    expect(pair.family).toBe(refresh.family);
    expect(pair.refreshExpiresAt).toBe(refresh.expiresAt);
    expect(pair.refreshExpiresAt).toBe(START + 3_600_000);
    // What is sent as the response is the RFC 6749 pair, nothing more.
    expect(Object.keys(JSON.parse(JSON.stringify(pair))).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_token',
      'token_type',
    ]);
    expect(Object.keys({ ...pair })).not.toContain('family');

    clock.advance(60_000);
    const rotated = await tokens.refresh(pair.refresh_token);
    expect(rotated.family).toBe(pair.family);
    expect(rotated.refreshExpiresAt).toBe(START + 60_000 + 3_600_000);
    expect(rotated.refreshExpiresAt).toBe(
      (await tokens.verify(rotated.refresh_token, { type: 'refresh' })).expiresAt,
    );
    expect((await tokens.issuePair('u1')).family).not.toBe(pair.family);
  });
});

describe('TokenService given a credential that is not a JWT', () => {
  it('answers 403 for another backend’s credential and 401 for none, never a TypeError', async () => {
    const { tokens, events } = await service({ algorithms: ['HS256'], secret: randomBytes(32) });
    // What @CurrentAuth() holds after a session or an API key authenticated the request.
    const session: AuthSuccess = AuthResults.success('session', 'u1', {
      claims: { sessionId: 'h1', createdAt: START },
      credentialId: 'h1',
    });
    const apiKey: AuthSuccess = AuthResults.success('api-key', 'u1', { credentialId: 'k1' });
    const calls: [string, (t: AuthSuccess) => Promise<void>][] = [
      ['logout', (t) => tokens.logout(t)],
      ['revoke', (t) => tokens.revoke(t)],
      ['revokeFamily', (t) => tokens.revokeFamily(t)],
      ['revokeAllForUser', (t) => tokens.revokeAllForUser('u1', { except: t })],
    ];
    for (const [name, call] of calls) {
      for (const credential of [session, apiKey]) {
        await expect(call(credential), name).rejects.toMatchObject({
          name: 'PermissionDeniedError',
          reason: 'BACKEND_NOT_ALLOWED',
          detail: `a credential of the "${credential.backend}" backend is not a JWT`,
        });
      }
      // (`except: undefined` is no exception at all: revokeAllForUser then revokes everything.)
      if (name === 'revokeAllForUser') continue;
      await expect(call(undefined as never), name).rejects.toMatchObject({
        name: 'AuthenticationFailedError',
        reason: 'CREDENTIAL_MISSING',
      });
    }
    expect(events.events).toEqual([]);
  });
});

describe('TokenService with a revocation store that holds each user to a quota', () => {
  const jwt: JwtOptions = { algorithms: ['HS256'], secret: randomBytes(32) };
  const quota: Provider[] = [
    { provide: IN_MEMORY_REVOCATION_OPTIONS, useValue: { maxEntriesPerUser: 2 } },
  ];

  it('past the quota, a revocation revokes every token of the user instead, and says so', async () => {
    const { tokens, events, clock } = await service(jwt, new FakeClock(START), quota);
    const first = await tokens.issuePair('u1');
    const second = await tokens.issuePair('u1');
    const other = await tokens.issuePair('u2');
    await tokens.revokeFamily(await tokens.verify(first.access_token));
    await tokens.revoke(await tokens.verify(await tokens.issueAccessToken('u1')));
    // u1 holds two entries: the third revocation becomes a cut-off, the stronger revocation.
    await tokens.revoke(await tokens.verify(second.access_token));
    expect(events.last('user_tokens_revoked')).toMatchObject({
      identity: 'u1',
      reason: 'REVOCATION_QUOTA_EXCEEDED',
    });
    await expect(tokens.verify(second.access_token)).rejects.toMatchObject({
      reason: 'TOKEN_REVOKED',
    });
    await expect(tokens.refresh(second.refresh_token)).rejects.toMatchObject({
      reason: 'TOKEN_REVOKED',
    });
    await expect(tokens.verify(other.access_token)).resolves.toMatchObject({ subject: 'u2' });
    clock.advance(1);
    const later = await tokens.issuePair('u1');
    await expect(tokens.verify(later.access_token)).resolves.toMatchObject({ subject: 'u1' });
  });

  it('a reuse past the quota still ends the login: the family dies with the cut-off', async () => {
    const { tokens, events } = await service(jwt, new FakeClock(START), quota);
    for (const pair of [await tokens.issuePair('u1'), await tokens.issuePair('u1')]) {
      await tokens.revokeFamily(await tokens.verify(pair.access_token));
    }
    const stolen = await tokens.issuePair('u1');
    const rotated = await tokens.refresh(stolen.refresh_token);
    await expect(tokens.refresh(stolen.refresh_token)).rejects.toMatchObject({
      reason: 'TOKEN_REFRESH_REUSED',
    });
    expect(events.last('user_tokens_revoked')).toMatchObject({
      reason: 'REVOCATION_QUOTA_EXCEEDED',
    });
    await expect(tokens.verify(rotated.access_token)).rejects.toMatchObject({
      reason: 'TOKEN_REVOKED',
    });
    await expect(tokens.refresh(rotated.refresh_token)).rejects.toMatchObject({
      reason: 'TOKEN_REVOKED',
    });
  });
});

describe('TokenService.revokeFamilyById', () => {
  it('ends one login by its family id, until every token of it has expired', async () => {
    const { tokens, clock, events } = await service({
      algorithms: ['HS256'],
      secret: randomBytes(32),
      accessTokenTtlSeconds: 600,
      refreshTokenTtlSeconds: 7200,
      refreshFamilyLifetimeSeconds: 7200,
      clockToleranceSeconds: 5,
    });
    const ended = await tokens.issuePair('u1');
    const kept = await tokens.issuePair('u1');
    await tokens.revokeFamilyById('u1', ended.family);
    await expect(tokens.verify(ended.access_token)).rejects.toThrowError(AuthenticationFailedError);
    await expect(tokens.refresh(ended.refresh_token)).rejects.toThrowError(
      AuthenticationFailedError,
    );
    await expect(tokens.verify(kept.access_token)).resolves.toMatchObject({ subject: 'u1' });
    expect(events.last('token_revoked')).toMatchObject({ identity: 'u1' });
    // The refused refresh was reported too.
    expect(events.last('token_refresh_failed')).toMatchObject({
      identity: 'u1',
      reason: 'TOKEN_REVOKED',
    });
    // At the family's end, within the clock tolerance: its twin verifies, it still may not.
    clock.advance(7200_000 + 4_000);
    await expect(tokens.verify(kept.refresh_token, { type: 'refresh' })).resolves.toMatchObject({
      family: kept.family,
    });
    await expect(tokens.verify(ended.refresh_token, { type: 'refresh' })).rejects.toThrowError(
      AuthenticationFailedError,
    );
    await expect(tokens.revokeFamilyById('u1', '')).rejects.toThrowError(/non-empty/);
  });
});

const redis = new Redis(inject('redisUrl'), { lazyConnect: true });
afterAll(() => redis.quit());

const prefix = `gatehouse-except-${process.pid}-${randomBytes(4).toString('hex')}:`;

/**
 * Each store, and how long it still remembers a subject's cut-off, in ms of the store's own time
 * (the in-memory store ages by the FakeClock; Redis by its own clock, so its key's TTL is read).
 */
const stores: [string, () => Provider[], (subject: string) => Promise<number> | undefined][] = [
  ['in-memory', () => [], () => undefined],
  [
    'redis',
    () => [RedisRevocationStore.provider({ client: redis, keyPrefix: prefix })],
    (subject) => redis.pttl(`${prefix}s:${subject}`),
  ],
];

describe.each(stores)(
  'TokenService.revokeAllForUser except the current login (%s)',
  (_, store, ttlOf) => {
    const jwt: JwtOptions = {
      algorithms: ['HS256'],
      secret: randomBytes(32),
      accessTokenTtlSeconds: 600,
      refreshTokenTtlSeconds: 3600,
      refreshFamilyLifetimeSeconds: 7200,
      customTokenTtlSeconds: 7200,
      clockToleranceSeconds: 5,
    };
    const refused = (promise: Promise<unknown>) =>
      expect(promise).rejects.toThrowError(AuthenticationFailedError);

    it('keeps the current login through its refreshes, and refuses every other token of the user issued before', async () => {
      const { tokens, clock } = await service(jwt, new FakeClock(START), store());
      const earlier = await tokens.issuePair('u1');
      clock.advance(1000);
      const current = await tokens.issuePair('u1');
      clock.advance(1000);
      const later = await tokens.issuePair('u1');
      const standalone = await tokens.issueAccessToken('u1');
      const someoneElse = await tokens.issuePair('u2');
      clock.advance(1000);
      const rotated = await tokens.refresh(current.refresh_token);
      const auth = await tokens.verify(rotated.access_token);
      clock.advance(1000);

      await tokens.revokeAllForUser('u1', { except: auth });

      // The kept login: its first access token, the rotated pair, and the refreshes to come.
      await expect(tokens.verify(current.access_token)).resolves.toMatchObject({ subject: 'u1' });
      await expect(tokens.verify(rotated.access_token)).resolves.toMatchObject({ subject: 'u1' });
      const next = await tokens.refresh(rotated.refresh_token);
      await expect(tokens.verify(next.access_token)).resolves.toMatchObject({ subject: 'u1' });
      // Every other token of u1, whether its login started before the kept one or after it.
      await refused(tokens.verify(earlier.access_token));
      await refused(tokens.verify(later.access_token));
      await refused(tokens.verify(standalone));
      await refused(tokens.refresh(earlier.refresh_token));
      await refused(tokens.refresh(later.refresh_token));
      // Other users, and tokens issued afterwards, are fine.
      await expect(tokens.verify(someoneElse.access_token)).resolves.toMatchObject({
        subject: 'u2',
      });
      clock.advance(1);
      const fresh = await tokens.issuePair('u1');
      await expect(tokens.verify(fresh.access_token)).resolves.toMatchObject({ subject: 'u1' });
      await expect(tokens.refresh(fresh.refresh_token)).resolves.toMatchObject({
        family: fresh.family,
      });
    });

    it('remembers the cut-off as long as a token it refuses could verify, the clock tolerance included', async () => {
      const { tokens, clock } = await service(jwt, new FakeClock(START), store());
      const current = await tokens.verify((await tokens.issuePair('u3')).access_token);
      // The longest-lived token possible (the family lifetime, which custom tokens may have
      // here), and one of another user as control.
      const longest = await tokens.createJwt({ sub: 'u3' }, { expiresIn: 7200 });
      const control = await tokens.createJwt({ sub: 'u4' }, { expiresIn: 7200 });
      await tokens.revokeAllForUser('u3', { except: current });
      const ttl = await ttlOf('u3');
      if (ttl !== undefined) expect(ttl).toBeGreaterThan(7200_000 + 5_000);
      // Past `exp`, within the tolerance: the control still verifies, the revoked one must not.
      clock.advance(7200_000 + 4_000);
      await expect(tokens.verify(control, { type: 'custom' })).resolves.toMatchObject({
        subject: 'u4',
      });
      await refused(tokens.verify(longest, { type: 'custom' }));
    });

    it('refuses an `except` of another user, or outside any login', async () => {
      const { tokens } = await service(jwt, new FakeClock(START), store());
      const login = (await tokens.issuePair('u5')).access_token;
      const standalone = await tokens.issueAccessToken('u5');
      await expect(
        tokens.revokeAllForUser('u6', { except: await tokens.verify(login) }),
      ).rejects.toThrowError(/same user/);
      // A standalone token is what a request authenticated with one passes: a 403, not a 500.
      await expect(
        tokens.revokeAllForUser('u5', { except: await tokens.verify(standalone) }),
      ).rejects.toMatchObject({
        name: 'PermissionDeniedError',
        status: 403,
        reason: 'TOKEN_NOT_REVOCABLE',
        detail: expect.stringMatching(/standalone token .* no login to keep/),
      });
      // The refused calls revoked nothing.
      await expect(tokens.verify(login)).resolves.toMatchObject({ subject: 'u5' });
      await expect(tokens.verify(standalone)).resolves.toMatchObject({ subject: 'u5' });
    });
  },
);

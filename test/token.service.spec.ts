import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import {
  AuthConfigurationError,
  AuthenticationFailedError,
  AuthEvents,
  AuthModule,
  Clock,
  JwtBackend,
  RESERVED_CLAIMS,
  TokenService,
  type JwtOptions,
} from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { JwtUsers, RecordingEvents } from './apps/jwt.app.js';

const START = Date.parse('2030-01-01T00:00:00Z');

async function service(jwt: JwtOptions | undefined, clock = new FakeClock(START)) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AuthModule.forRoot({
        backends: [JwtBackend],
        userModel: JwtUsers,
        events: RecordingEvents,
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

const decode = (token: string, index: 0 | 1) =>
  JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString()) as Record<
    string,
    unknown
  >;

describe('TokenService', () => {
  it('fails the bootstrap when JwtBackend has no jwt options, naming the option', async () => {
    await expect(service(undefined)).rejects.toThrowError(AuthConfigurationError);
    await expect(service(undefined)).rejects.toThrowError(/"jwt".*Fix:/);
  });

  it('createJwt signs a payload with iat, nbf, exp and jti, verifiable as an access token', async () => {
    const { tokens, clock } = await service({ algorithms: ['HS256'], secret: randomBytes(32) });
    const token = await tokens.createJwt({ sub: 'u1', plan: 'pro' }, { expiresIn: 60 });
    const verified = await tokens.verify(token);
    expect(verified).toMatchObject({ type: 'access', subject: 'u1', fresh: false });
    expect(verified.claims).toMatchObject({ sub: 'u1', plan: 'pro', exp: START / 1000 + 60 });
    expect(verified.claims.iat).toBe(START / 1000);
    expect(verified.expiresAt - clock.now()).toBe(60_000);
    await expect(tokens.createJwt({ plan: 'pro' })).rejects.toThrowError(/identity claim "sub"/);
    clock.advance(66_000);
    await expect(tokens.verify(token)).rejects.toBeInstanceOf(AuthenticationFailedError);
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
    expect(access.id).not.toBe(decode(first.access_token, 1).jti);
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
      expect(decode(pairOfTokens.access_token, 0)).toMatchObject({ alg, typ: 'at+jwt' });
      expect((await tokens.verify(pairOfTokens.access_token)).subject).toBe('u1');
      const jwks = tokens.jwks();
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({
        alg,
        use: 'sig',
        kid: decode(pairOfTokens.access_token, 0).kid,
      });
      expect(jwks.keys[0]).not.toHaveProperty('d');
    }
  });

  it('rotates signing keys: tokens of the retiring key verify until it is removed', async () => {
    const oldKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const newKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const before = await service({
      algorithms: ['ES256'],
      keys: [{ kid: 'k1', privateKey: oldKey.privateKey }],
    });
    const oldToken = await before.tokens.createJwt({ sub: 'u1' });
    const during = await service({
      algorithms: ['ES256'],
      keys: [
        { kid: 'k2', privateKey: newKey.privateKey },
        { kid: 'k1', publicKey: oldKey.publicKey },
      ],
    });
    expect((await during.tokens.verify(oldToken)).kid).toBe('k1');
    expect(decode(await during.tokens.createJwt({ sub: 'u1' }), 0).kid).toBe('k2');
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
    });
    const token = await tokens.createJwt({ sub: 'u1' }, { expiresIn: 3600 });
    clock.advance(119_999);
    await expect(tokens.verify(token)).resolves.toMatchObject({ subject: 'u1' });
    clock.advance(1);
    await expect(tokens.verify(token)).rejects.toThrowError(AuthenticationFailedError);
  });

  it('never issues or accepts a token that would outlive a logout-everywhere cut-off', async () => {
    const secret = randomBytes(32);
    const jwt: JwtOptions = {
      algorithms: ['HS256'],
      secret,
      accessTokenTtlSeconds: 600,
      refreshTokenTtlSeconds: 3600,
      refreshFamilyLifetimeSeconds: 7200,
    };
    const { tokens } = await service(jwt);
    await expect(tokens.createJwt({ sub: 'u1' }, { expiresIn: 7201 })).rejects.toThrowError(
      /at most 7200 seconds/,
    );
    const longest = await tokens.createJwt({ sub: 'u1' }, { expiresIn: 7200 });
    await expect(tokens.verify(longest)).resolves.toMatchObject({ subject: 'u1' });
    // The same key, configured elsewhere with longer lifetimes, signs a longer token.
    const { tokens: other } = await service({ ...jwt, refreshFamilyLifetimeSeconds: 86_400 });
    const dayLong = await other.createJwt({ sub: 'u1' }, { expiresIn: 86_400 });
    await expect(other.verify(dayLong)).resolves.toMatchObject({ subject: 'u1' });
    await expect(tokens.verify(dayLong)).rejects.toThrowError(AuthenticationFailedError);
  });

  it('uses the configured identity claim', async () => {
    const { tokens } = await service({
      algorithms: ['HS256'],
      secret: randomBytes(32),
      identityClaim: 'uid',
    });
    const pair = await tokens.issuePair('u7');
    expect(decode(pair.access_token, 1)).toMatchObject({ uid: 'u7' });
    expect(decode(pair.access_token, 1)).not.toHaveProperty('sub');
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

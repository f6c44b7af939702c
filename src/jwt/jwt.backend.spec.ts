import { randomBytes } from 'node:crypto';
import { Injectable, type Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import {
  AuthModule,
  AuthUnavailableError,
  Clock,
  InMemoryRevocationStore,
  JwtBackend,
  RevocationStore,
  TokenService,
  type AuthRequest,
  type AuthResult,
  type RevocationSubject,
} from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';
import { JwtUsers } from '../../test/apps/jwt.app.js';

const START = Date.parse('2030-01-01T00:00:00Z');

/** The in-memory store, but its check fails: by throwing, or by rejecting. */
@Injectable()
class ThrowingStore extends InMemoryRevocationStore {
  static mode: 'throw' | 'reject' | 'off' = 'off';
  override isRevoked(token: RevocationSubject): Promise<boolean> | boolean {
    if (ThrowingStore.mode === 'throw') throw new Error('store down');
    if (ThrowingStore.mode === 'reject') return Promise.reject(new Error('store down'));
    return super.isRevoked(token);
  }
}

async function backend(providers: Provider[] = [], cacheSize?: number) {
  const clock = new FakeClock(START);
  const moduleRef = await Test.createTestingModule({
    imports: [
      AuthModule.forRoot({
        backends: [JwtBackend],
        userModel: JwtUsers,
        providers,
        jwt: {
          algorithms: ['HS256'],
          secret: randomBytes(32),
          ...(cacheSize === undefined ? {} : { verifiedTokenCacheSize: cacheSize }),
        },
      }),
    ],
  })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  return { jwt: moduleRef.get(JwtBackend), tokens: moduleRef.get(TokenService), clock };
}

const request = (token: string): AuthRequest =>
  ({ headers: { authorization: `Bearer ${token}` }, method: 'GET', url: '/' }) as AuthRequest;

describe('JwtBackend with the in-memory revocation store', () => {
  it.each([
    ['the cache on', undefined],
    ['the cache off', 0],
  ])(
    'answers without a promise, with %s, and refuses a revoked token the same way',
    async (_case, cacheSize) => {
      const { jwt, tokens } = await backend([], cacheSize);
      const token = await tokens.issueAccessToken('alice');
      for (let i = 0; i < 2; i++) {
        const result = jwt.authenticate(request(token));
        expect(result).not.toBeInstanceOf(Promise);
        expect(result).toMatchObject({ success: true, identity: 'alice' });
      }
      await tokens.revoke(await tokens.verify(token));
      const refused = jwt.authenticate(request(token)) as AuthResult;
      expect(refused).not.toBeInstanceOf(Promise);
      expect(refused).toMatchObject({ success: false, reason: 'TOKEN_REVOKED' });
    },
  );

  it('checks expiry against the Clock on every request, cached or not', async () => {
    const { jwt, tokens, clock } = await backend();
    const token = await tokens.issueAccessToken('alice', { expiresIn: 60 });
    expect(jwt.authenticate(request(token))).toMatchObject({ success: true });
    // Past the expiry and any clock tolerance (at most 300 s).
    clock.advance(60_000 + 301_000);
    expect(jwt.authenticate(request(token))).toMatchObject({
      success: false,
      reason: 'JWT_EXPIRED',
    });
  });

  it('fails closed when the store throws or rejects: unavailable, never a pass', async () => {
    const { jwt, tokens } = await backend([{ provide: RevocationStore, useClass: ThrowingStore }]);
    const token = await tokens.issueAccessToken('alice');
    ThrowingStore.mode = 'throw';
    try {
      expect(() => jwt.authenticate(request(token))).toThrowError(AuthUnavailableError);
      expect(() => jwt.authenticate(request(token))).toThrowError(
        expect.objectContaining({ reason: 'REVOCATION_STORE_UNAVAILABLE' }),
      );
      ThrowingStore.mode = 'reject';
      await expect(jwt.authenticate(request(token))).rejects.toMatchObject({
        reason: 'REVOCATION_STORE_UNAVAILABLE',
      });
    } finally {
      ThrowingStore.mode = 'off';
    }
    expect(jwt.authenticate(request(token))).toMatchObject({ success: true });
  });
});

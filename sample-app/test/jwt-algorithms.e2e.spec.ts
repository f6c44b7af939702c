import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { JwtAlgorithm } from '../src/config/app-config.js';
import { headerOf } from '../../test/support/jwt-forge.js';
import { ADMIN, login, startSample } from './support/sample-app.js';

const pem = (pair: { privateKey: KeyObject; publicKey: KeyObject }) => ({
  privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
});

const keys: Record<Exclude<JwtAlgorithm, 'HS256'>, () => ReturnType<typeof pem>> = {
  RS256: () => pem(generateKeyPairSync('rsa', { modulusLength: 2048 })),
  ES256: () => pem(generateKeyPairSync('ec', { namedCurve: 'P-256' })),
  EdDSA: () => pem(generateKeyPairSync('ed25519')),
};

describe.each(Object.entries(keys))('JWT_ALGORITHM=%s', (algorithm, make) => {
  it('signs with the key pair and publishes the public key in the JWKS', async () => {
    const sample = await startSample({
      admin: ADMIN,
      jwt: {
        algorithm: algorithm as JwtAlgorithm,
        ...make(),
        issuer: 'sample-app',
        audience: 'sample-app',
        accessTokenTtl: 900,
        refreshTokenTtl: 1_209_600,
      },
    });
    try {
      const account = await login(sample.client, ADMIN.username, ADMIN.password);
      const header = headerOf(account.access);
      expect(header.alg).toBe(algorithm);
      const jwks = await sample.client.get('/.well-known/jwks.json');
      expect(jwks.status).toBe(200);
      expect(jwks.body.keys).toHaveLength(1);
      const [jwk] = jwks.body.keys;
      expect(jwk).toMatchObject({ alg: algorithm, use: 'sig', kid: header.kid });
      expect(jwk.d).toBeUndefined();
      expect((await sample.client.get('/auth/me', account.auth)).status).toBe(200);
      const refreshed = await sample.client.post('/auth/refresh', {
        refresh_token: account.refresh,
      });
      expect(refreshed.status).toBe(200);
    } finally {
      await sample.close();
    }
  });
});

import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from '../jws/jws-algorithms.js';
import { importJwk } from './provider-key.js';

const all = new Set(ASYMMETRIC_ALGORITHMS);
const jwkOf = (key: KeyObject, extra: Record<string, unknown> = {}) => ({
  ...key.export({ format: 'jwk' }),
  ...extra,
});
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ed = generateKeyPairSync('ed25519');

describe('importJwk: a provider key becomes one KeyObject bound to one algorithm', () => {
  it('binds a key to its alg, or to the one its type implies', () => {
    const cases: Array<[Record<string, unknown>, AsymmetricAlgorithm]> = [
      [jwkOf(rsa.publicKey, { kid: 'a', alg: 'PS256' }), 'PS256'],
      [jwkOf(rsa.publicKey, { kid: 'a' }), 'RS256'],
      [jwkOf(p256.publicKey), 'ES256'],
      [jwkOf(p384.publicKey, { use: 'sig' }), 'ES384'],
      [jwkOf(ed.publicKey, { key_ops: ['verify'] }), 'EdDSA'],
    ];
    for (const [jwk, algorithm] of cases) {
      const key = importJwk(jwk, all);
      expect(key).toMatchObject({ algorithm });
      expect(typeof key === 'object' && key.key.type).toBe('public');
    }
  });

  it('keeps only the public half of a key published with its private members', () => {
    const key = importJwk(jwkOf(rsa.privateKey, { kid: 'leaked' }), all);
    expect(typeof key === 'object' && key.key.type).toBe('public');
    expect(typeof key === 'object' && key.key.export({ format: 'jwk' })).not.toHaveProperty('d');
  });

  it('skips what must never verify a token, saying why', () => {
    const skipped: Array<[unknown, RegExp]> = [
      [{ kty: 'oct', k: 'c2VjcmV0', alg: 'HS256' }, /only RSA, EC and OKP/],
      [jwkOf(rsa.publicKey, { alg: 'HS256' }), /algorithm "HS256" is not accepted/],
      [jwkOf(rsa.publicKey, { alg: 'none' }), /not accepted/],
      [jwkOf(rsa.publicKey, { use: 'enc' }), /use "enc"/],
      [jwkOf(rsa.publicKey, { key_ops: ['encrypt'] }), /key_ops/],
      [jwkOf(small.publicKey), /1024-bit RSA key/],
      [jwkOf(p256.publicKey, { alg: 'ES384' }), /needs an EC key on secp384r1/],
      [jwkOf(p256.publicKey, { alg: 'RS256' }), /needs an RSA key/],
      [jwkOf(rsa.publicKey, { kid: 7 }), /malformed kid/],
      [{ kty: 'RSA', n: 'AQAB', e: 'AQAB' }, /RSA key/],
      [{ kty: 'EC', crv: 'P-256' }, /not a readable EC key/],
      [null, /not a JSON object/],
      [[], /not a JSON object/],
    ];
    for (const [jwk, reason] of skipped) expect(importJwk(jwk, all)).toMatch(reason);
  });

  it('skips keys of algorithms the issuer does not accept', () => {
    const only = new Set<AsymmetricAlgorithm>(['ES256']);
    expect(importJwk(jwkOf(rsa.publicKey), only)).toMatch(/"RS256" is not accepted/);
    expect(importJwk(jwkOf(p256.publicKey), only)).toMatchObject({ algorithm: 'ES256' });
  });
});

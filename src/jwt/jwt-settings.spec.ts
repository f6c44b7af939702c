import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectConfigurationError } from '../../test/support/configuration-error.js';
import type { JwtOptions } from './jwt-options.js';
import { JwtSettings } from './jwt-settings.js';

const secret = randomBytes(32);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

/** Expects the options to fail at bootstrap, naming `option`. */
function refuses(options: unknown, option: string, problem?: RegExp): void {
  expectConfigurationError(() => new JwtSettings(options as JwtOptions), option, problem);
}

describe('JWT options validation', () => {
  it('accepts a minimal HS256 configuration and fills the defaults', () => {
    const s = new JwtSettings({ algorithms: ['HS256'], secret });
    expect(s.signingKey?.algorithm).toBe('HS256');
    expect(s.toleranceMs).toBe(5000);
    expect(s.identityClaim).toBe('sub');
    expect(s.accessTtlMs).toBe(900_000);
    expect(s.customTtlMs).toBe(900_000);
    expect(s.reuseGraceMs).toBe(0);
    expect(s.locations).toEqual(['header', 'cookie']);
    expect(s.cookies.accessName).toBe('__Host-access_token');
    expect(s.cookies.refreshName).toBe('__Secure-refresh_token');
    expect(s.signingKey?.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.acceptTypJwt).toBe(false);
    expect(s.acceptTokensWithoutJti).toBe(false);
  });

  it('takes the interop opt-ins as booleans only', () => {
    const s = new JwtSettings({
      algorithms: ['HS256'],
      secret,
      acceptTypJwt: true,
      acceptTokensWithoutJti: true,
    });
    expect([s.acceptTypJwt, s.acceptTokensWithoutJti]).toEqual([true, true]);
    refuses(
      { algorithms: ['HS256'], secret, acceptTypJwt: 'yes' },
      'jwt.acceptTypJwt',
      /true or false/,
    );
    refuses(
      { algorithms: ['HS256'], secret, acceptTokensWithoutJti: 1 },
      'jwt.acceptTokensWithoutJti',
      /true or false/,
    );
  });

  it('requires the jwt section and an explicit, known allowlist', () => {
    refuses(undefined, 'jwt', /missing/);
    refuses({ secret }, 'jwt.algorithms', /explicitly/);
    refuses({ algorithms: [], secret }, 'jwt.algorithms');
    refuses({ algorithms: ['hs256'], secret }, 'jwt.algorithms', /unknown algorithm/);
  });

  it('refuses "none" in any spelling', () => {
    for (const none of ['none', 'None', 'NONE']) {
      refuses({ algorithms: ['HS256', none], secret }, 'jwt.algorithms', /never accepted/);
    }
  });

  it('refuses HMAC secrets shorter than the hash output', () => {
    refuses({ algorithms: ['HS256'], secret: 'short-secret' }, 'jwt.secret', /12 bytes.*32 bytes/);
    refuses({ algorithms: ['HS512'], secret: randomBytes(48) }, 'jwt.secret', /48 bytes.*64 bytes/);
    expect(() => new JwtSettings({ algorithms: ['HS384'], secret: randomBytes(48) })).not.toThrow();
  });

  it('never lets a public or private key serve as an HMAC secret', () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    refuses({ algorithms: ['HS256'], secret: pem }, 'jwt.secret', /PEM/);
    refuses({ algorithms: ['HS256'], secret: rsa.publicKey }, 'jwt.secret', /public key/);
    refuses({ algorithms: ['HS256'], publicKey: rsa.publicKey }, 'jwt', /HMAC/);
  });

  it('sees a public key used as an HMAC secret however it is handed over', () => {
    // `secret: readFileSync('public.pem')` is a Buffer: the public key would sign tokens that
    // anyone holding it can forge.
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
    const der = rsa.publicKey.export({ type: 'spki', format: 'der' });
    const pkcs1 = rsa.publicKey.export({ type: 'pkcs1', format: 'der' });
    const ecPem = Buffer.from(ec.publicKey.export({ type: 'spki', format: 'pem' }));
    for (const bytes of [Buffer.from(pem), ecPem, der, pkcs1]) {
      refuses({ algorithms: ['HS256'], secret: bytes }, 'jwt.secret', /public or private key/);
      refuses(
        { algorithms: ['HS256'], secret: createSecretKey(bytes) },
        'jwt.secret',
        /public or private key/,
      );
      refuses(
        { algorithms: ['HS256'], keys: [{ kid: 'k', secret: bytes }] },
        'jwt.keys[0].secret',
        /public or private key/,
      );
    }
    expect(() => new JwtSettings({ algorithms: ['HS256'], secret: randomBytes(64) })).not.toThrow();
  });

  it('binds each key to an algorithm that fits it', () => {
    refuses(
      { algorithms: ['ES256'], publicKey: rsa.publicKey },
      'jwt.publicKey',
      /EC key on prime256v1/,
    );
    refuses({ algorithms: ['RS256'], privateKey: ec.privateKey }, 'jwt.privateKey', /RSA key/);
    refuses({ algorithms: ['EdDSA'], publicKey: ec.publicKey }, 'jwt.publicKey', /Ed25519/);
    refuses({ algorithms: ['RS256'], secret }, 'jwt.secret', /asymmetric/);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    refuses({ algorithms: ['RS256'], publicKey: weak.publicKey }, 'jwt.publicKey', /2048/);
    refuses(
      {
        algorithms: ['ES256'],
        privateKey: ec.privateKey,
        publicKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
      },
      'jwt.publicKey',
      /public half/,
    );
  });

  it('checks the key list: kids, algorithms, the signing key', () => {
    refuses({ algorithms: ['HS256'] }, 'jwt.keys', /no key/);
    refuses(
      { algorithms: ['HS256', 'ES256'], keys: [{ kid: 'a', secret }] },
      'jwt.keys[0].algorithm',
      /missing/,
    );
    refuses(
      {
        algorithms: ['HS256'],
        keys: [
          { kid: 'a', secret },
          { kid: 'a', secret },
        ],
      },
      'jwt.keys[1].kid',
      /twice/,
    );
    refuses(
      { algorithms: ['HS256'], keys: [{ kid: 'a', algorithm: 'ES256', publicKey: ec.publicKey }] },
      'jwt.keys[0].algorithm',
      /not in jwt.algorithms/,
    );
    refuses(
      { algorithms: ['HS256', 'EdDSA'], keys: [{ kid: 'a', algorithm: 'HS256', secret }] },
      'jwt.algorithms',
      /EdDSA, but no key/,
    );
    refuses(
      {
        algorithms: ['EdDSA'],
        keys: [{ kid: 'old', publicKey: ed.publicKey }],
        signingKeyId: 'old',
      },
      'jwt.signingKeyId',
      /can sign/,
    );
    refuses({ algorithms: ['HS256'], secret, keys: [] }, 'jwt.secret', /together/);
    refuses({ algorithms: ['HS256', 'ES256'], secret }, 'jwt.algorithms', /several/);
  });

  it('rotates: the chosen key signs, the others only verify', () => {
    const s = new JwtSettings({
      algorithms: ['ES256', 'EdDSA'],
      keys: [
        { kid: 'old', algorithm: 'ES256', publicKey: ec.publicKey },
        { kid: 'new', algorithm: 'EdDSA', privateKey: ed.privateKey },
      ],
    });
    expect(s.signingKey?.kid).toBe('new');
    expect(s.keys.get('old')?.canSign).toBe(false);
  });

  it('caps the clock tolerance and checks lifetimes', () => {
    refuses(
      { algorithms: ['HS256'], secret, clockToleranceSeconds: 301 },
      'jwt.clockToleranceSeconds',
      /300/,
    );
    refuses(
      { algorithms: ['HS256'], secret, clockToleranceSeconds: -1 },
      'jwt.clockToleranceSeconds',
    );
    refuses(
      { algorithms: ['HS256'], secret, accessTokenTtlSeconds: 0 },
      'jwt.accessTokenTtlSeconds',
    );
    refuses({ algorithms: ['HS256'], secret, maxTokenAgeSeconds: 1.5 }, 'jwt.maxTokenAgeSeconds');
    refuses(
      { algorithms: ['HS256'], secret, customTokenTtlSeconds: 0 },
      'jwt.customTokenTtlSeconds',
    );
    refuses(
      { algorithms: ['HS256'], secret, refreshReuseGraceSeconds: 61 },
      'jwt.refreshReuseGraceSeconds',
      /from 0 to 60/,
    );
    refuses(
      { algorithms: ['HS256'], secret, refreshReuseGraceSeconds: 2.5 },
      'jwt.refreshReuseGraceSeconds',
    );
    expect(
      new JwtSettings({ algorithms: ['HS256'], secret, refreshReuseGraceSeconds: 60 }).reuseGraceMs,
    ).toBe(60_000);
    refuses(
      { algorithms: ['HS256'], secret, customTokenTtlSeconds: '1h' },
      'jwt.customTokenTtlSeconds',
    );
    refuses(
      {
        algorithms: ['HS256'],
        secret,
        refreshTokenTtlSeconds: 100,
        refreshFamilyLifetimeSeconds: 50,
      },
      'jwt.refreshFamilyLifetimeSeconds',
    );
  });

  it('checks issuer, audience, locations and cookies', () => {
    refuses({ algorithms: ['HS256'], secret, issuer: '' }, 'jwt.issuer');
    refuses({ algorithms: ['HS256'], secret, audience: [] }, 'jwt.audience');
    refuses(
      { algorithms: ['HS256'], secret, tokenLocations: ['header', 'url'] },
      'jwt.tokenLocations',
    );
    refuses(
      { algorithms: ['HS256'], secret, tokenLocations: ['header', 'header'] },
      'jwt.tokenLocations',
    );
    refuses(
      { algorithms: ['HS256'], secret, cookies: { secure: false, hostPrefix: true } },
      'jwt.cookies.hostPrefix',
      /secure/,
    );
    // The prefix follows `secure`, as the session cookie's does: plain HTTP drops it by itself.
    expect(
      new JwtSettings({ algorithms: ['HS256'], secret, cookies: { secure: false } }).cookies,
    ).toMatchObject({ accessName: 'access_token', secure: false });
    refuses(
      {
        algorithms: ['HS256'],
        secret,
        cookies: { hostPrefix: false, secure: false, sameSite: 'none' },
      },
      'jwt.cookies.sameSite',
    );
    refuses(
      { algorithms: ['HS256'], secret, cookies: { accessName: 'a b' } },
      'jwt.cookies.accessName',
    );
    refuses(
      { algorithms: ['HS256'], secret, cookies: { refreshPath: 'auth' } },
      'jwt.cookies.refreshPath',
    );
    refuses(
      { algorithms: ['HS256'], secret, cookies: { sameSite: 'Lax' } },
      'jwt.cookies.sameSite',
    );
    refuses({ algorithms: ['HS256'], secret, cookies: { domain: 'x' } }, 'jwt.cookies.domain');
    refuses({ algorithms: ['HS256'], secret, cookie: {} }, 'jwt.cookie', /not a known option/);
    refuses(
      { algorithms: ['HS256'], secret, cookies: { trustedOrigins: ['*'] } },
      'jwt.cookies.trustedOrigins[0]',
    );
    const plain = new JwtSettings({
      algorithms: ['HS256'],
      secret,
      cookies: { hostPrefix: false, secure: false, csrfHeader: 'X-XSRF' },
    });
    expect(plain.cookies).toMatchObject({ accessName: 'access_token', csrfHeader: 'x-xsrf' });
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertConfigUsable, ConfigError, loadConfig } from '../src/config/load-config.js';
import { TEST_SECRET, testConfig } from './support/sample-app.js';

const strong = { JWT_SECRET: TEST_SECRET, SESSION_SECRET: `${TEST_SECRET}-s` };

describe('loadConfig', () => {
  it('has the documented defaults, and warns about generated secrets', () => {
    const { config, warnings } = loadConfig({});
    expect(config).toMatchObject({
      production: false,
      port: 3000,
      host: '127.0.0.1',
      httpAdapter: 'express',
      databasePath: './data/sample.db',
      jwt: {
        algorithm: 'HS256',
        issuer: 'sample-app',
        audience: 'sample-app',
        accessTokenTtl: 900,
        refreshTokenTtl: 1_209_600,
      },
      redisUrl: undefined,
      admin: undefined,
      mailOutboxDir: './data/outbox',
      login: { maxAttempts: 5, lockoutSeconds: 900 },
      trustProxy: false,
      sessionCookieSecure: true,
    });
    // Random secrets were generated, long enough for HS256.
    expect(Buffer.byteLength(config.jwt.secret!)).toBeGreaterThanOrEqual(32);
    expect(Buffer.byteLength(config.sessionSecret)).toBeGreaterThanOrEqual(32);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^JWT_SECRET: is not set, so a random secret was generated/);
    expect(warnings[1]).toMatch(/^SESSION_SECRET: is not set, so a random secret was generated/);
    // Each start generates other secrets.
    expect(loadConfig({}).config.jwt.secret).not.toBe(config.jwt.secret);
  });

  it('reads every variable', () => {
    const { config, warnings } = loadConfig({
      ...strong,
      PORT: '8080',
      HOST: '0.0.0.0',
      HTTP_ADAPTER: 'fastify',
      DATABASE_PATH: ':memory:',
      JWT_ISSUER: 'iss',
      JWT_AUDIENCE: 'aud',
      ACCESS_TOKEN_TTL: '60',
      REFRESH_TOKEN_TTL: '3600',
      REDIS_URL: 'redis://127.0.0.1:6380',
      ADMIN_USERNAME: 'root',
      ADMIN_PASSWORD: 'a long admin passphrase',
      ADMIN_EMAIL: 'root@example.com',
      MAIL_OUTBOX_DIR: '/tmp/outbox',
      LOGIN_MAX_ATTEMPTS: '3',
      LOGIN_LOCKOUT_SECONDS: '60',
      TRUST_PROXY: 'true',
      SESSION_COOKIE_SECURE: 'false',
    });
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      httpAdapter: 'fastify',
      databasePath: ':memory:',
      jwt: {
        secret: TEST_SECRET,
        issuer: 'iss',
        audience: 'aud',
        accessTokenTtl: 60,
        refreshTokenTtl: 3600,
      },
      redisUrl: 'redis://127.0.0.1:6380',
      sessionSecret: `${TEST_SECRET}-s`,
      admin: { username: 'root', password: 'a long admin passphrase', email: 'root@example.com' },
      mailOutboxDir: '/tmp/outbox',
      login: { maxAttempts: 3, lockoutSeconds: 60 },
      trustProxy: true,
      sessionCookieSecure: false,
    });
  });

  it.each([
    ['PORT', 'http'],
    ['PORT', '70000'],
    ['HTTP_ADAPTER', 'koa'],
    ['JWT_ALGORITHM', 'none'],
    ['JWT_ALGORITHM', 'HS512'],
    ['ACCESS_TOKEN_TTL', '-5'],
    ['LOGIN_MAX_ATTEMPTS', '0'],
    ['TRUST_PROXY', 'maybe'],
    ['REDIS_URL', 'http://example.com'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ ...strong, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...strong, [name]: value })).toThrow(new RegExp(`^${name}: `));
  });

  it('refuses a refresh lifetime not longer than the access lifetime', () => {
    expect(() =>
      loadConfig({ ...strong, ACCESS_TOKEN_TTL: '600', REFRESH_TOKEN_TTL: '600' }),
    ).toThrow(/REFRESH_TOKEN_TTL/);
  });

  it('refuses a partial ADMIN_* set', () => {
    expect(() => loadConfig({ ...strong, ADMIN_USERNAME: 'root' })).toThrow(/ADMIN_/);
  });

  it('refuses a weak JWT_SECRET that is set, in development too', () => {
    for (const weak of ['short', 'a'.repeat(64), 'abcabcabcabcabcabcabcabcabcabcabcabc']) {
      const load = () => loadConfig({ JWT_SECRET: weak, SESSION_SECRET: `${TEST_SECRET}-s` });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(/^JWT_SECRET: is weak .*Fix: /);
      // Replacing it would make every instance sign with a secret of its own.
      expect(load).not.toThrow(/random secret/);
    }
  });

  it('replaces a weak SESSION_SECRET with a random one and warns, outside production', () => {
    for (const weak of ['short', 'a'.repeat(64), 'abcabcabcabcabcabcabcabcabcabcabcabc']) {
      const { config, warnings } = loadConfig({ JWT_SECRET: TEST_SECRET, SESSION_SECRET: weak });
      expect(config.jwt.secret).toBe(TEST_SECRET);
      expect(config.sessionSecret).not.toBe(weak);
      expect(warnings.join('\n')).toMatch(/SESSION_SECRET: is weak/);
    }
  });

  describe('under NODE_ENV=production', () => {
    it.each([
      [{}, /^JWT_SECRET: is not set/],
      [{ JWT_SECRET: 'too-short' }, /^JWT_SECRET: is weak/],
      [{ JWT_SECRET: TEST_SECRET }, /^SESSION_SECRET: is not set/],
      [{ JWT_SECRET: TEST_SECRET, SESSION_SECRET: 'x'.repeat(40) }, /^SESSION_SECRET: is weak/],
    ])('a missing or weak secret stops the start (%o)', (env, message) => {
      expect(() => loadConfig({ NODE_ENV: 'production', ...env })).toThrow(message);
      // The message says what to do, and does not pretend a random secret was made.
      expect(() => loadConfig({ NODE_ENV: 'production', ...env })).toThrow(/Fix: /);
      expect(() => loadConfig({ NODE_ENV: 'production', ...env })).not.toThrow(/random secret/);
    });

    it('refuses session cookies without Secure', () => {
      expect(() =>
        loadConfig({ NODE_ENV: 'production', ...strong, SESSION_COOKIE_SECURE: 'false' }),
      ).toThrow(/^SESSION_COOKIE_SECURE: /);
    });

    it('starts with strong secrets', () => {
      const { config, warnings } = loadConfig({ NODE_ENV: 'production', ...strong });
      expect(config.production).toBe(true);
      expect(warnings).toEqual([]);
    });
  });

  describe('asymmetric algorithms', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sample-keys-'));
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateFile = join(dir, 'private.pem');
    const publicFile = join(dir, 'public.pem');
    writeFileSync(privateFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(publicFile, pair.publicKey.export({ type: 'spki', format: 'pem' }));

    it('reads the PEM files', () => {
      const { config } = loadConfig({
        ...strong,
        JWT_ALGORITHM: 'ES256',
        JWT_PRIVATE_KEY_FILE: privateFile,
        JWT_PUBLIC_KEY_FILE: publicFile,
      });
      expect(config.jwt.algorithm).toBe('ES256');
      expect(config.jwt.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
      expect(config.jwt.publicKeyPem).toContain('-----BEGIN PUBLIC KEY-----');
    });

    it('needs both files, readable and PEM', () => {
      expect(() => loadConfig({ ...strong, JWT_ALGORITHM: 'RS256' })).toThrow(
        /^JWT_PRIVATE_KEY_FILE: is required/,
      );
      expect(() =>
        loadConfig({ ...strong, JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY_FILE: privateFile }),
      ).toThrow(/^JWT_PUBLIC_KEY_FILE: is required/);
      expect(() =>
        loadConfig({
          ...strong,
          JWT_ALGORITHM: 'ES256',
          JWT_PRIVATE_KEY_FILE: join(dir, 'missing.pem'),
          JWT_PUBLIC_KEY_FILE: publicFile,
        }),
      ).toThrow(/cannot read .*ENOENT/);
      writeFileSync(join(dir, 'junk.pem'), 'not a key');
      expect(() =>
        loadConfig({
          ...strong,
          JWT_ALGORITHM: 'ES256',
          JWT_PRIVATE_KEY_FILE: join(dir, 'junk.pem'),
          JWT_PUBLIC_KEY_FILE: publicFile,
        }),
      ).toThrow(/is not a PEM file/);
    });
  });
});

describe('assertConfigUsable', () => {
  it('refuses a configuration object with a weak secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sample-cfg-'));
    const base = testConfig(dir);
    expect(() => assertConfigUsable(base)).not.toThrow();
    expect(() => assertConfigUsable({ ...base, jwt: { ...base.jwt, secret: 'short' } })).toThrow(
      /JWT_SECRET/,
    );
    expect(() => assertConfigUsable({ ...base, sessionSecret: 'short' })).toThrow(/SESSION_SECRET/);
  });
});

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { JWT_ALGORITHMS, type AppConfig, type JwtAlgorithm } from './app-config.js';

/** A configuration problem found at start. Its message names the variable and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    problem: string,
    fix: string,
  ) {
    super(`${variable}: ${problem}. Fix: ${fix}`);
  }
}

/** The configuration read from the environment, and the warnings about it. */
export interface LoadedConfig {
  readonly config: AppConfig;
  /**
   * Missing secrets (and a weak `SESSION_SECRET`) replaced by random ones. Errors instead under
   * `NODE_ENV=production`.
   */
  readonly warnings: readonly string[];
}

/** Bytes of secret material below which a secret counts as weak (the HS256 output size). */
export const MIN_SECRET_BYTES = 32;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the configuration documented in sample-app-http.md from `env`.
 * Throws {@link ConfigError} on invalid values, a weak `JWT_SECRET`, and on any warning when
 * `NODE_ENV=production`.
 */
export function loadConfig(env: Env = process.env): LoadedConfig {
  const production = env.NODE_ENV === 'production';
  const warnings: string[] = [];
  // `problem` is the fact, `fallback` what happens in development instead of failing.
  const warn = (variable: string, problem: string, fallback: string, fix: string) => {
    if (production) throw new ConfigError(variable, `${problem} (NODE_ENV=production)`, fix);
    warnings.push(`${variable}: ${problem}, so ${fallback}. Fix: ${fix}`);
  };

  const algorithm = oneOf(env, 'JWT_ALGORITHM', JWT_ALGORITHMS, 'HS256') as JwtAlgorithm;
  let secret: string | undefined;
  let privateKeyPem: string | undefined;
  let publicKeyPem: string | undefined;
  if (algorithm === 'HS256') {
    secret = nonEmpty(env.JWT_SECRET);
    if (secret === undefined) {
      warn(
        'JWT_SECRET',
        'is not set',
        'a random secret was generated and tokens will not survive a restart',
        `set JWT_SECRET to at least ${MIN_SECRET_BYTES} random bytes, e.g. \`openssl rand -base64 48\``,
      );
      secret = randomSecret();
    } else if (isWeakSecret(secret)) {
      // Refused in every environment: a secret that is set is meant to be shared (by instances,
      // by services verifying the tokens), and replacing it would make each instance sign with
      // a secret of its own, so tokens from elsewhere fail.
      throw new ConfigError(
        'JWT_SECRET',
        `is weak (it needs at least ${MIN_SECRET_BYTES} bytes and should be random)`,
        'generate one with `openssl rand -base64 48`, or unset it in development for a random one',
      );
    }
  } else {
    const privateFile = nonEmpty(env.JWT_PRIVATE_KEY_FILE);
    const publicFile = nonEmpty(env.JWT_PUBLIC_KEY_FILE);
    if (privateFile === undefined || publicFile === undefined) {
      throw new ConfigError(
        privateFile === undefined ? 'JWT_PRIVATE_KEY_FILE' : 'JWT_PUBLIC_KEY_FILE',
        `is required with JWT_ALGORITHM=${algorithm}`,
        'point JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE at PEM files (see the README)',
      );
    }
    privateKeyPem = readPem('JWT_PRIVATE_KEY_FILE', privateFile);
    publicKeyPem = readPem('JWT_PUBLIC_KEY_FILE', publicFile);
  }

  let sessionSecret = nonEmpty(env.SESSION_SECRET);
  if (sessionSecret === undefined) {
    warn(
      'SESSION_SECRET',
      'is not set',
      'a random secret was generated and sessions will not survive a restart',
      `set SESSION_SECRET to at least ${MIN_SECRET_BYTES} random bytes`,
    );
    sessionSecret = randomSecret();
  } else if (isWeakSecret(sessionSecret)) {
    warn(
      'SESSION_SECRET',
      `is weak (it needs at least ${MIN_SECRET_BYTES} bytes and should be random)`,
      'a random secret is used instead',
      'generate one with `openssl rand -base64 48`',
    );
    sessionSecret = randomSecret();
  }

  const adminUsername = nonEmpty(env.ADMIN_USERNAME);
  const adminPassword = nonEmpty(env.ADMIN_PASSWORD);
  const adminEmail = nonEmpty(env.ADMIN_EMAIL);
  const adminSet = [adminUsername, adminPassword, adminEmail].filter((v) => v !== undefined);
  if (adminSet.length > 0 && adminSet.length < 3) {
    throw new ConfigError(
      'ADMIN_USERNAME/ADMIN_PASSWORD/ADMIN_EMAIL',
      'only some of them are set',
      'set all three to create the first admin, or none',
    );
  }

  const config: AppConfig = {
    production,
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: nonEmpty(env.HOST) ?? '127.0.0.1',
    httpAdapter: oneOf(env, 'HTTP_ADAPTER', ['express', 'fastify'] as const, 'express'),
    databasePath: nonEmpty(env.DATABASE_PATH) ?? './data/sample.db',
    jwt: {
      algorithm,
      secret,
      privateKeyPem,
      publicKeyPem,
      issuer: nonEmpty(env.JWT_ISSUER) ?? 'sample-app',
      audience: nonEmpty(env.JWT_AUDIENCE) ?? 'sample-app',
      accessTokenTtl: integer(env, 'ACCESS_TOKEN_TTL', 900, 1, 86_400),
      refreshTokenTtl: integer(env, 'REFRESH_TOKEN_TTL', 1_209_600, 60, 31_536_000),
    },
    redisUrl: nonEmpty(env.REDIS_URL),
    oidc: oidcConfig(env),
    sessionSecret,
    admin:
      adminUsername && adminPassword && adminEmail
        ? { username: adminUsername, password: adminPassword, email: adminEmail }
        : undefined,
    mailOutboxDir: nonEmpty(env.MAIL_OUTBOX_DIR) ?? './data/outbox',
    login: {
      maxAttempts: integer(env, 'LOGIN_MAX_ATTEMPTS', 5, 1, 1000),
      lockoutSeconds: integer(env, 'LOGIN_LOCKOUT_SECONDS', 900, 1, 86_400),
    },
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    sessionCookieSecure: boolean(env, 'SESSION_COOKIE_SECURE', true),
  };
  if (production && config.sessionCookieSecure === false) {
    throw new ConfigError(
      'SESSION_COOKIE_SECURE',
      'false is for plain-HTTP development only, and NODE_ENV=production refuses it',
      'serve the app over HTTPS (behind a proxy with TRUST_PROXY=true) and unset it',
    );
  }
  if (config.redisUrl !== undefined && !/^rediss?:\/\//.test(config.redisUrl)) {
    throw new ConfigError(
      'REDIS_URL',
      'is not a redis:// or rediss:// URL',
      'e.g. redis://127.0.0.1:6379',
    );
  }
  if (config.jwt.refreshTokenTtl <= config.jwt.accessTokenTtl) {
    throw new ConfigError(
      'REFRESH_TOKEN_TTL',
      'must be longer than ACCESS_TOKEN_TTL',
      'use a refresh lifetime of hours or days and an access lifetime of minutes',
    );
  }
  return { config, warnings };
}

/** `OIDC_ISSUER` and what goes with it; the library checks the URLs themselves at start. */
function oidcConfig(env: Env): AppConfig['oidc'] {
  const issuer = nonEmpty(env.OIDC_ISSUER);
  const audience = nonEmpty(env.OIDC_AUDIENCE);
  const rolesClaim = nonEmpty(env.OIDC_ROLES_CLAIM);
  if (issuer === undefined) {
    const stray = audience !== undefined ? 'OIDC_AUDIENCE' : rolesClaim && 'OIDC_ROLES_CLAIM';
    if (stray) {
      throw new ConfigError(
        stray,
        'is set without OIDC_ISSUER',
        'set OIDC_ISSUER too, or unset it',
      );
    }
    return undefined;
  }
  if (audience === undefined) {
    throw new ConfigError(
      'OIDC_AUDIENCE',
      'is required with OIDC_ISSUER: without it a token the provider issued for any other API would pass',
      'set it to the audience the provider writes into the access tokens for this API',
    );
  }
  return { issuer, audience, rolesClaim };
}

/**
 * Checks a configuration object built in code (tests build one without the environment): weak
 * or missing secrets are refused, whatever the mode.
 */
export function assertConfigUsable(config: AppConfig): void {
  if (config.jwt.algorithm === 'HS256') {
    if (config.jwt.secret === undefined || isWeakSecret(config.jwt.secret)) {
      throw new ConfigError(
        'JWT_SECRET',
        `must be at least ${MIN_SECRET_BYTES} random bytes`,
        'generate one with `openssl rand -base64 48`',
      );
    }
  } else if (config.jwt.privateKeyPem === undefined || config.jwt.publicKeyPem === undefined) {
    throw new ConfigError(
      'JWT_PRIVATE_KEY_FILE',
      `a key pair is required with JWT_ALGORITHM=${config.jwt.algorithm}`,
      'set JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE',
    );
  }
  if (isWeakSecret(config.sessionSecret)) {
    throw new ConfigError(
      'SESSION_SECRET',
      `must be at least ${MIN_SECRET_BYTES} random bytes`,
      'generate one with `openssl rand -base64 48`',
    );
  }
}

/** Short secrets, and long ones made of a handful of characters (`aaaa…`, `abcabc…`), are weak. */
export function isWeakSecret(secret: string): boolean {
  return Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES || new Set(secret).size < 10;
}

function randomSecret(): string {
  return randomBytes(48).toString('base64url');
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(
      name,
      `"${raw}" is not a whole number from ${min} to ${max}`,
      `unset it for the default (${fallback})`,
    );
  }
  return Number(raw);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env[name])?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `"${raw}" is not a boolean`, 'use true or false');
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `"${raw}" is not supported`, `use one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

function readPem(variable: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      variable,
      `cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'point it at a readable PEM file',
    );
  }
  if (!text.includes('-----BEGIN ')) {
    throw new ConfigError(variable, `"${file}" is not a PEM file`, 'use a PEM-encoded key');
  }
  return text;
}

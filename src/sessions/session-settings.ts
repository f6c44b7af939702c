import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AUTH_OPTIONS } from '../core/injection-tokens.js';
import type { ResolvedAuthOptions } from '../module/auth-module-options.js';
import { AuthConfigurationError } from '../core/auth-error.js';
import type { SessionOptions } from './session-options.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FRAMEWORK_DEFAULTS = new Set(['connect.sid', 'sessionid', 'sid', 'session']);

/**
 * The `session` options, validated at bootstrap and normalised. Injected by the session backend,
 * `SessionService` and `configureSessions`.
 */
@Injectable()
export class SessionSettings implements OnApplicationBootstrap {
  private static readonly logger = new Logger('Gatehouse');

  /** The cookie's full name, `__Host-` prefix included. */
  readonly cookieName: string;
  /** The signing secrets; the first signs. */
  readonly secrets: readonly string[];
  readonly idleTimeoutMs: number;
  /**
   * Activity is written to the store at most this often (a twentieth of the idle timeout, at most
   * a minute). Between writes the recorded activity lags, so a session can only time out early by
   * up to this much, never late; and a request that changes nothing writes nothing.
   */
  readonly activityWriteIntervalMs: number;
  readonly absoluteTimeoutMs: number;
  readonly freshForMs: number;
  readonly secure: boolean;
  readonly sameSite: 'lax' | 'strict' | 'none';
  /** Normalised origins (`scheme://host[:port]`). */
  readonly trustedOrigins: ReadonlySet<string>;
  /** The CSRF header's name, lower case (as Node exposes headers). */
  readonly csrfHeader: string;
  private installed = false;

  constructor(
    @Inject(AUTH_OPTIONS) options: ResolvedAuthOptions,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    const raw = (options.raw as { session?: SessionOptions }).session;
    if (raw === undefined || raw === null || typeof raw !== 'object') {
      throw new AuthConfigurationError(
        'session',
        'is missing, and SessionBackend needs at least a secret',
        'pass `session: { secret: process.env.SESSION_SECRET }` to AuthModule.forRoot',
      );
    }
    this.secrets = checkSecrets(raw.secret);
    this.secure = checkBoolean('session.secure', raw.secure, true);
    // On by default whenever the cookie is Secure, as the JWT cookies are.
    const hostPrefix = checkBoolean('session.hostPrefix', raw.hostPrefix, this.secure);
    const name = raw.cookieName ?? 'gatehouse.sid';
    if (typeof name !== 'string' || !TOKEN.test(name) || name.length > 64) {
      throw new AuthConfigurationError(
        'session.cookieName',
        'is not a valid cookie name',
        'use 1 to 64 letters, digits, ".", "_" or "-", for example "app.sid"',
      );
    }
    if (FRAMEWORK_DEFAULTS.has(name.toLowerCase())) {
      throw new AuthConfigurationError(
        'session.cookieName',
        `"${name}" is a framework default, which tells attackers what runs the server`,
        'choose a neutral name such as "app.sid"',
      );
    }
    if (/^__(host|secure)-/i.test(name)) {
      throw new AuthConfigurationError(
        'session.cookieName',
        'must not carry a __Host-/__Secure- prefix itself',
        'set `hostPrefix: true` instead',
      );
    }
    if (hostPrefix && !this.secure) {
      throw new AuthConfigurationError(
        'session.hostPrefix',
        'needs a Secure cookie, but `secure` is false',
        'keep `secure: true` (the default), or turn `hostPrefix` off for plain-HTTP development',
      );
    }
    this.cookieName = hostPrefix ? `__Host-${name}` : name;
    this.idleTimeoutMs = checkSeconds('session.idleTimeoutSeconds', raw.idleTimeoutSeconds, 1800);
    this.activityWriteIntervalMs = Math.min(60_000, Math.floor(this.idleTimeoutMs / 20));
    this.absoluteTimeoutMs = checkSeconds(
      'session.absoluteTimeoutSeconds',
      raw.absoluteTimeoutSeconds,
      28_800,
    );
    if (this.absoluteTimeoutMs < this.idleTimeoutMs) {
      throw new AuthConfigurationError(
        'session.absoluteTimeoutSeconds',
        'is shorter than idleTimeoutSeconds',
        'make the absolute timeout at least as long as the idle timeout',
      );
    }
    this.freshForMs = checkSeconds('session.freshForSeconds', raw.freshForSeconds, 300, true);
    const sameSite = raw.sameSite ?? 'lax';
    if (sameSite !== 'lax' && sameSite !== 'strict' && sameSite !== 'none') {
      throw new AuthConfigurationError(
        'session.sameSite',
        `"${String(sameSite)}" is not one of "lax", "strict", "none"`,
        'use "lax" (the default) or "strict"',
      );
    }
    if (sameSite === 'none' && !this.secure) {
      throw new AuthConfigurationError(
        'session.sameSite',
        'is "none", which browsers accept only on Secure cookies',
        'keep `secure: true`, or use "lax"',
      );
    }
    this.sameSite = sameSite;
    this.trustedOrigins = checkOrigins(raw.trustedOrigins);
    const header = raw.csrfHeader ?? 'X-CSRF-Token';
    if (typeof header !== 'string' || !TOKEN.test(header) || header.length > 64) {
      throw new AuthConfigurationError(
        'session.csrfHeader',
        'is not a valid header name',
        'use a name such as "X-CSRF-Token"',
      );
    }
    this.csrfHeader = header.toLowerCase();
  }

  /** Called by `configureSessions` once the middleware is in place. */
  markInstalled(): void {
    this.installed = true;
  }

  /** Whether `configureSessions(app)` ran. */
  get isInstalled(): boolean {
    return this.installed;
  }

  onApplicationBootstrap(): void {
    // Without the middleware every session request would fail; say so at start, not per request.
    // A module compiled without an HTTP application (a unit test) has no adapter and is let be.
    if (this.adapterHost?.httpAdapter && !this.installed) {
      throw new AuthConfigurationError(
        'session',
        'SessionBackend is configured, but the session middleware is not installed',
        'call `await configureSessions(app)` in main.ts (and in e2e tests) before `app.listen()` or `app.init()`',
      );
    }
    if (!this.secure) {
      SessionSettings.logger.warn(
        'session.secure is false: the session cookie is sent over plain HTTP. Use this only for local development and tests.',
      );
    }
  }
}

function checkSecrets(secret: unknown): string[] {
  const list = typeof secret === 'string' ? [secret] : secret;
  if (!Array.isArray(list) || list.length === 0) {
    throw new AuthConfigurationError(
      'session.secret',
      'is missing',
      'pass at least 32 random characters, for example from `openssl rand -base64 48`',
    );
  }
  list.forEach((value: unknown, index) => {
    if (typeof value !== 'string' || value.length < 32) {
      throw new AuthConfigurationError(
        Array.isArray(secret) ? `session.secret[${index}]` : 'session.secret',
        'is shorter than 32 characters',
        'use at least 32 random characters, for example from `openssl rand -base64 48`',
      );
    }
  });
  return list as string[];
}

function checkBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new AuthConfigurationError(option, 'must be true or false', `set ${option} to a boolean`);
  }
  return value;
}

function checkSeconds(option: string, value: unknown, fallback: number, zeroOk = false): number {
  if (value === undefined) return fallback * 1000;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (zeroOk ? 0 : 1)) {
    throw new AuthConfigurationError(
      option,
      `must be a whole number of seconds${zeroOk ? '' : ' above zero'}`,
      `set ${option} to a number of seconds, for example ${fallback}`,
    );
  }
  return value * 1000;
}

function checkOrigins(value: unknown): Set<string> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value)) {
    throw new AuthConfigurationError(
      'session.trustedOrigins',
      'must be an array of origins',
      "write `trustedOrigins: ['https://app.example.com']`",
    );
  }
  return new Set(
    value.map((origin: unknown, index) => {
      const normalised = typeof origin === 'string' ? normaliseOrigin(origin) : undefined;
      if (normalised === undefined || !isBareOrigin(origin as string)) {
        throw new AuthConfigurationError(
          `session.trustedOrigins[${index}]`,
          `"${String(origin)}" is not an origin`,
          'write scheme, host and optional port only, for example "https://app.example.com"',
        );
      }
      return normalised;
    }),
  );
}

function isBareOrigin(origin: string): boolean {
  const url = new URL(origin);
  return url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
}

/** `scheme://host[:port]` of an http(s) origin, lower case; `undefined` for anything else. */
export function normaliseOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

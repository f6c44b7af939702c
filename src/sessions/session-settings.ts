import type { Provider } from '@nestjs/common';
import { OptionsReader, settingsProvider } from '../core/options-reader.js';
import { readTrustedOrigins } from '../http/csrf.js';
import type { SessionOptions } from './session-options.js';

// RFC 9110 token characters, at most 64 of them: valid as a cookie name and as a header name.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;
const FRAMEWORK_DEFAULTS = new Set(['connect.sid', 'sessionid', 'sid', 'session']);
const SESSION_KEYS: readonly (keyof SessionOptions)[] = [
  'secret',
  'cookieName',
  'hostPrefix',
  'idleTimeoutSeconds',
  'absoluteTimeoutSeconds',
  'secure',
  'sameSite',
  'trustedOrigins',
  'csrfHeader',
  'freshForSeconds',
];

/**
 * The `session` options, validated at bootstrap and normalised. Injected by the session backend,
 * `SessionService` and `configureSessions`; provided by {@link sessionSettingsProvider}.
 */
export class SessionSettings {
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

  constructor(options: SessionOptions | undefined) {
    const session: OptionsReader = OptionsReader.of('session', options, SESSION_KEYS, {
      problem: 'is missing, and SessionBackend needs at least a secret',
      fix: 'pass `session: { secret: process.env.SESSION_SECRET }` to AuthModule.forRoot',
    });
    this.secrets = session.secrets('secret');
    this.secure = session.boolean('secure', true);
    // On by default whenever the cookie is Secure, as the JWT cookies are.
    const hostPrefix = session.boolean('hostPrefix', this.secure);
    const name = session.string('cookieName', 'gatehouse.sid', {
      pattern: COOKIE_NAME,
      problem: 'is not a valid cookie name',
      fix: 'use 1 to 64 letters, digits, ".", "_" or "-", for example "app.sid"',
    });
    if (FRAMEWORK_DEFAULTS.has(name.toLowerCase())) {
      session.fail(
        'cookieName',
        `"${name}" is a framework default, which tells attackers what runs the server`,
        'choose a neutral name such as "app.sid"',
      );
    }
    if (/^__(host|secure)-/i.test(name)) {
      session.fail(
        'cookieName',
        'must not carry a __Host-/__Secure- prefix itself',
        'set `hostPrefix: true` instead',
      );
    }
    if (hostPrefix && !this.secure) {
      session.fail(
        'hostPrefix',
        'needs a Secure cookie, but `secure` is false',
        'keep `secure: true` (the default), or turn `hostPrefix` off for plain-HTTP development',
      );
    }
    this.cookieName = hostPrefix ? `__Host-${name}` : name;
    this.idleTimeoutMs = session.durationMs('idleTimeoutSeconds', 1800);
    this.activityWriteIntervalMs = Math.min(60_000, Math.floor(this.idleTimeoutMs / 20));
    this.absoluteTimeoutMs = session.durationMs('absoluteTimeoutSeconds', 28_800);
    if (this.absoluteTimeoutMs < this.idleTimeoutMs) {
      session.fail(
        'absoluteTimeoutSeconds',
        'is shorter than idleTimeoutSeconds',
        'make the absolute timeout at least as long as the idle timeout',
      );
    }
    this.freshForMs = session.durationMs('freshForSeconds', 300, 0);
    this.sameSite = session.oneOf('sameSite', ['lax', 'strict', 'none'], 'lax');
    if (this.sameSite === 'none' && !this.secure) {
      session.fail(
        'sameSite',
        'is "none", which browsers accept only on Secure cookies',
        'keep `secure: true`, or use "lax"',
      );
    }
    this.trustedOrigins = readTrustedOrigins(session, 'trustedOrigins');
    this.csrfHeader = session
      .string('csrfHeader', 'X-CSRF-Token', {
        pattern: COOKIE_NAME,
        problem: 'is not a valid header name',
        fix: 'use a name such as "X-CSRF-Token"',
      })
      .toLowerCase();
  }
}

/** The provider that validates `options.session` at bootstrap. */
export const sessionSettingsProvider: Provider = settingsProvider(
  SessionSettings,
  (options: { session?: SessionOptions }) => new SessionSettings(options.session),
);

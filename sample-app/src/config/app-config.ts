import type { Clock } from 'nestjs-gatehouse';

/** The JWT signing algorithms the sample app can be configured with (`JWT_ALGORITHM`). */
export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/**
 * Everything the sample app is configured with. `loadConfig(process.env)` builds it from the
 * environment (see sample-app-http.md); tests build it directly with `testConfig()`. The app's
 * modules read it through `ConfigService<AppConfig, true>` (`config.get('jwt', { infer: true })`).
 */
export interface AppConfig {
  /** `NODE_ENV=production`: missing or weak secrets stop the start instead of a warning. */
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  readonly httpAdapter: 'express' | 'fastify';
  /** A SQLite file, created with its directory, or `:memory:`. */
  readonly databasePath: string;
  readonly jwt: {
    readonly algorithm: JwtAlgorithm;
    /** The HMAC secret (HS256). */
    readonly secret?: string;
    /** PEM key pair for RS256, ES256 and EdDSA. */
    readonly privateKeyPem?: string;
    readonly publicKeyPem?: string;
    readonly issuer: string;
    readonly audience: string;
    /** Seconds. */
    readonly accessTokenTtl: number;
    /** Seconds. */
    readonly refreshTokenTtl: number;
  };
  /**
   * An outside OpenID Provider whose access tokens are accepted (`OIDC_ISSUER`, `OIDC_AUDIENCE`,
   * `OIDC_ROLES_CLAIM`): backend `oidc`, with linked accounts created just in time.
   */
  readonly oidc?: {
    readonly issuer: string;
    readonly audience: string;
    /** A dot path whose values that are app role names become a new account's roles. */
    readonly rolesClaim?: string;
  };
  /** When set, revocations, sessions and login throttling live in this Redis. */
  readonly redisUrl?: string;
  readonly sessionSecret: string;
  /**
   * Send the session cookie with `Secure` (and the `__Host-` prefix). Turning it off
   * (`SESSION_COOKIE_SECURE=false`) is for plain-HTTP development only; production refuses it.
   * Default: `true`.
   */
  readonly sessionCookieSecure?: boolean;
  /** Created at start when absent. */
  readonly admin?: { readonly username: string; readonly password: string; readonly email: string };
  readonly mailOutboxDir: string;
  readonly login: { readonly maxAttempts: number; readonly lockoutSeconds: number };
  /** Believe `X-Forwarded-For` (only behind a proxy that sets it). */
  readonly trustProxy: boolean;
  /** Test-only: the clock for the library and the app. Default: the system clock. */
  readonly clock?: Clock;
  /** Nest's logger setting. Default: Nest's default logger. */
  readonly logger?: false | readonly ('log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal')[];
}

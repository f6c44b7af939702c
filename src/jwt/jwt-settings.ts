import type { Provider } from '@nestjs/common';
import { AUTH_OPTIONS } from '../core/injection-tokens.js';
import type { ResolvedAuthOptions } from '../module/auth-module-options.js';
import { AuthConfigurationError } from '../core/auth-error.js';
import { buildKey, JwtKey, SUPPORTED_ALGORITHMS, thumbprint } from './jwt-key.js';
import type { JwtAlgorithm, JwtOptions, TokenLocation } from './jwt-options.js';

const MAX_TOLERANCE_SECONDS = 300;
const LOCATIONS: readonly TokenLocation[] = ['header', 'cookie', 'query', 'body'];
const TOKEN_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The names and attributes of the cookie transport, prefixes applied. */
export interface ResolvedCookieSettings {
  readonly accessName: string;
  readonly refreshName: string;
  readonly csrfName: string;
  readonly csrfHeader: string;
  readonly refreshPath: string;
  readonly secure: boolean;
  readonly sameSite: 'strict' | 'lax' | 'none';
}

/**
 * The JWT options after bootstrap validation: keys are `KeyObject`s bound to one algorithm,
 * times are in milliseconds. Built once by {@link jwtSettingsProvider}; internal to the library.
 */
export class JwtSettings {
  readonly algorithms: ReadonlySet<JwtAlgorithm>;
  readonly keys: ReadonlyMap<string, JwtKey>;
  /** Keys by algorithm, to pick the only candidate of a token without `kid`. */
  readonly keysByAlgorithm: ReadonlyMap<JwtAlgorithm, readonly JwtKey[]>;
  readonly signingKey: JwtKey | undefined;
  readonly issuer: string | undefined;
  readonly audience: readonly string[] | undefined;
  readonly toleranceMs: number;
  readonly maxAgeMs: number | undefined;
  readonly identityClaim: string;
  readonly accessTtlSeconds: number;
  readonly refreshTtlSeconds: number;
  readonly familyLifetimeSeconds: number;
  readonly locations: readonly TokenLocation[];
  readonly queryParameter: string;
  readonly bodyField: string;
  readonly cookies: ResolvedCookieSettings;
  readonly cacheSize: number;

  constructor(options: JwtOptions | undefined) {
    if (options === undefined || options === null || typeof options !== 'object') {
      throw new AuthConfigurationError(
        'jwt',
        'is missing, and JwtBackend needs it',
        "add `jwt: { algorithms: ['HS256'], secret: process.env.JWT_SECRET }` to the AuthModule options",
      );
    }
    this.algorithms = readAlgorithms(options.algorithms);
    const keys = readKeys(options, this.algorithms);
    this.keys = new Map(keys.map((k) => [k.kid, k]));
    const byAlg = new Map<JwtAlgorithm, JwtKey[]>();
    for (const key of keys) byAlg.set(key.algorithm, [...(byAlg.get(key.algorithm) ?? []), key]);
    this.keysByAlgorithm = byAlg;
    for (const alg of this.algorithms) {
      if (!byAlg.has(alg)) {
        throw new AuthConfigurationError(
          'jwt.algorithms',
          `lists ${alg}, but no key uses it`,
          `remove ${alg} from the allowlist, or add a key for it`,
        );
      }
    }
    if (options.signingKeyId !== undefined) {
      const key = this.keys.get(options.signingKeyId);
      if (!key || !key.canSign) {
        throw new AuthConfigurationError(
          'jwt.signingKeyId',
          `"${options.signingKeyId}" is not the kid of a key that can sign`,
          `name one of: ${
            keys
              .filter((k) => k.canSign)
              .map((k) => k.kid)
              .join(', ') || '(no key has a secret or private key)'
          }`,
        );
      }
      this.signingKey = key;
    } else {
      this.signingKey = keys.find((k) => k.canSign);
    }
    this.issuer = optionalString('jwt.issuer', options.issuer);
    this.audience = readAudience(options.audience);
    const tolerance = seconds('jwt.clockToleranceSeconds', options.clockToleranceSeconds, 5, 0);
    if (tolerance > MAX_TOLERANCE_SECONDS) {
      throw new AuthConfigurationError(
        'jwt.clockToleranceSeconds',
        `is ${tolerance}; more than ${MAX_TOLERANCE_SECONDS} seconds would keep expired tokens alive`,
        'use a few seconds (the default is 5) and keep server clocks in sync',
      );
    }
    this.toleranceMs = tolerance * 1000;
    this.maxAgeMs =
      options.maxTokenAgeSeconds === undefined
        ? undefined
        : seconds('jwt.maxTokenAgeSeconds', options.maxTokenAgeSeconds, 0, 1) * 1000;
    this.identityClaim = optionalString('jwt.identityClaim', options.identityClaim) ?? 'sub';
    this.accessTtlSeconds = seconds(
      'jwt.accessTokenTtlSeconds',
      options.accessTokenTtlSeconds,
      900,
      1,
    );
    this.refreshTtlSeconds = seconds(
      'jwt.refreshTokenTtlSeconds',
      options.refreshTokenTtlSeconds,
      1_209_600,
      1,
    );
    this.familyLifetimeSeconds = seconds(
      'jwt.refreshFamilyLifetimeSeconds',
      options.refreshFamilyLifetimeSeconds,
      Math.max(2_592_000, this.refreshTtlSeconds),
      1,
    );
    if (this.familyLifetimeSeconds < this.refreshTtlSeconds) {
      throw new AuthConfigurationError(
        'jwt.refreshFamilyLifetimeSeconds',
        'is shorter than jwt.refreshTokenTtlSeconds',
        'make the family lifetime at least as long as one refresh token',
      );
    }
    this.locations = readLocations(options.tokenLocations);
    this.queryParameter = tokenName('jwt.queryParameter', options.queryParameter, 'access_token');
    this.bodyField = tokenName('jwt.bodyField', options.bodyField, 'access_token');
    this.cookies = readCookies(options);
    this.cacheSize = seconds(
      'jwt.verifiedTokenCacheSize',
      options.verifiedTokenCacheSize,
      10_000,
      0,
    );
  }

  /**
   * The longest any token issued or accepted here can live, in seconds: "revoke everything"
   * keeps its cut-off that long, so the verifier refuses tokens that claim a longer life.
   */
  get longestLifetimeSeconds(): number {
    return Math.max(this.accessTtlSeconds, this.familyLifetimeSeconds);
  }
}

/** The provider that validates `options.jwt` at bootstrap. */
export const jwtSettingsProvider: Provider = {
  provide: JwtSettings,
  useFactory: (options: ResolvedAuthOptions) => new JwtSettings(options.raw.jwt),
  inject: [AUTH_OPTIONS],
};

function readAlgorithms(value: unknown): ReadonlySet<JwtAlgorithm> {
  if (!Array.isArray(value) || value.length === 0) {
    throw new AuthConfigurationError(
      'jwt.algorithms',
      'is missing or empty; the accepted algorithms must be listed explicitly',
      "list them, for example `algorithms: ['HS256']` or `algorithms: ['ES256']`",
    );
  }
  for (const alg of value) {
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') {
      throw new AuthConfigurationError(
        'jwt.algorithms',
        'lists "none": unsigned tokens are never accepted',
        'remove it and list real signature algorithms',
      );
    }
    if (!SUPPORTED_ALGORITHMS.includes(alg as JwtAlgorithm)) {
      throw new AuthConfigurationError(
        'jwt.algorithms',
        `lists the unknown algorithm ${JSON.stringify(alg)}`,
        `use some of ${SUPPORTED_ALGORITHMS.join(', ')} (names are case-sensitive)`,
      );
    }
  }
  return new Set(value as JwtAlgorithm[]);
}

function readKeys(options: JwtOptions, algorithms: ReadonlySet<JwtAlgorithm>): JwtKey[] {
  const only = algorithms.size === 1 ? [...algorithms][0] : undefined;
  const shortcuts = (['secret', 'privateKey', 'publicKey'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (shortcuts.length > 0 && options.keys !== undefined) {
    throw new AuthConfigurationError(
      `jwt.${shortcuts[0]}`,
      'is given together with `jwt.keys`',
      'move it into `keys` as `{ kid, algorithm, … }`, or drop `keys`',
    );
  }
  if (shortcuts.length > 0) {
    if (only === undefined) {
      throw new AuthConfigurationError(
        'jwt.algorithms',
        `lists several algorithms, so the key given as jwt.${shortcuts[0]} has no single algorithm`,
        'use `keys: [{ kid, algorithm, … }]`, or list exactly one algorithm',
      );
    }
    const key = buildKey('jwt', '', only, options);
    return [new JwtKey(thumbprint(key.verifyKey), only, key.verifyKey, key.signKey)];
  }
  if (!Array.isArray(options.keys) || options.keys.length === 0) {
    throw new AuthConfigurationError(
      'jwt.keys',
      'no key is configured',
      'give `secret` (HS*), `privateKey`/`publicKey`, or `keys: [{ kid, … }]`',
    );
  }
  const seen = new Set<string>();
  return options.keys.map((entry, index) => {
    const where = `jwt.keys[${index}]`;
    if (entry === null || typeof entry !== 'object') {
      throw new AuthConfigurationError(
        where,
        'is not an object',
        'write `{ kid, algorithm, secret }`',
      );
    }
    if (typeof entry.kid !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(entry.kid)) {
      throw new AuthConfigurationError(
        `${where}.kid`,
        'must be 1-128 printable ASCII characters',
        'give each key a short id such as "2026-01"',
      );
    }
    if (seen.has(entry.kid)) {
      throw new AuthConfigurationError(
        `${where}.kid`,
        `"${entry.kid}" is used twice`,
        'give each key its own kid',
      );
    }
    seen.add(entry.kid);
    const algorithm = entry.algorithm ?? only;
    if (algorithm === undefined) {
      throw new AuthConfigurationError(
        `${where}.algorithm`,
        'is missing and the allowlist has several algorithms',
        'bind the key to one algorithm, for example `algorithm: "ES256"`',
      );
    }
    if (!algorithms.has(algorithm)) {
      throw new AuthConfigurationError(
        `${where}.algorithm`,
        `${algorithm} is not in jwt.algorithms`,
        `add ${algorithm} to jwt.algorithms or change the key's algorithm`,
      );
    }
    return buildKey(where, entry.kid, algorithm, entry);
  });
}

function readAudience(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    list.some((a) => typeof a !== 'string' || a === '')
  ) {
    throw new AuthConfigurationError(
      'jwt.audience',
      'must be a non-empty string or a non-empty array of them',
      "write `audience: 'my-api'`",
    );
  }
  return Object.freeze([...list]);
}

function readLocations(value: unknown): readonly TokenLocation[] {
  if (value === undefined) return Object.freeze(['header', 'cookie'] as TokenLocation[]);
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((l) => !LOCATIONS.includes(l as TokenLocation)) ||
    new Set(value).size !== value.length
  ) {
    throw new AuthConfigurationError(
      'jwt.tokenLocations',
      `must list some of ${LOCATIONS.join(', ')}, each once`,
      "write for example `tokenLocations: ['header', 'cookie']`",
    );
  }
  return Object.freeze([...(value as TokenLocation[])]);
}

function readCookies(options: JwtOptions): ResolvedCookieSettings {
  const c = options.cookies ?? {};
  if (typeof c !== 'object' || c === null) {
    throw new AuthConfigurationError(
      'jwt.cookies',
      'is not an object',
      'write `cookies: { … }` or omit it',
    );
  }
  const secure = c.secure ?? true;
  const hostPrefix = c.hostPrefix ?? true;
  if (hostPrefix && !secure) {
    throw new AuthConfigurationError(
      'jwt.cookies.hostPrefix',
      'needs `secure: true` (browsers drop __Host- cookies without Secure)',
      'keep `secure: true`, or also set `hostPrefix: false` for plain-HTTP development',
    );
  }
  const sameSite = c.sameSite ?? 'lax';
  if (!['strict', 'lax', 'none'].includes(sameSite)) {
    throw new AuthConfigurationError(
      'jwt.cookies.sameSite',
      `is "${String(sameSite)}"`,
      "use 'strict', 'lax' or 'none'",
    );
  }
  if (sameSite === 'none' && !secure) {
    throw new AuthConfigurationError(
      'jwt.cookies.sameSite',
      "is 'none' without `secure`, which browsers refuse",
      "use 'lax', or keep `secure: true`",
    );
  }
  const name = (option: string, value: string | undefined, fallback: string): string => {
    const chosen = value ?? fallback;
    if (typeof chosen !== 'string' || !COOKIE_NAME.test(chosen)) {
      throw new AuthConfigurationError(
        `jwt.cookies.${option}`,
        'must be 1-64 letters, digits, "_" or "-"',
        `use a plain name such as "${fallback}"`,
      );
    }
    return chosen;
  };
  const refreshPath = c.refreshPath ?? '/auth/refresh';
  if (typeof refreshPath !== 'string' || !/^\/[\x21-\x3a\x3c-\x7e]*$/.test(refreshPath)) {
    throw new AuthConfigurationError(
      'jwt.cookies.refreshPath',
      'must be an absolute URL path',
      "use the path of your refresh endpoint, for example '/auth/refresh'",
    );
  }
  const csrfHeader = name('csrfHeader', c.csrfHeader, 'x-csrf-token').toLowerCase();
  return Object.freeze({
    accessName: (hostPrefix ? '__Host-' : '') + name('accessName', c.accessName, 'access_token'),
    // __Host- demands Path=/, which would send the refresh token everywhere; __Secure- still
    // requires HTTPS while allowing the narrow path.
    refreshName:
      (hostPrefix ? (refreshPath === '/' ? '__Host-' : '__Secure-') : '') +
      name('refreshName', c.refreshName, 'refresh_token'),
    csrfName: (hostPrefix ? '__Host-' : '') + name('csrfName', c.csrfName, 'csrf_token'),
    csrfHeader,
    refreshPath,
    secure,
    sameSite,
  });
}

function optionalString(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new AuthConfigurationError(
      option,
      'must be a non-empty string',
      `set ${option} to a string, or omit it`,
    );
  }
  return value;
}

function tokenName(option: string, value: unknown, fallback: string): string {
  const chosen = value ?? fallback;
  if (typeof chosen !== 'string' || !TOKEN_NAME.test(chosen)) {
    throw new AuthConfigurationError(
      option,
      'must be a short plain name',
      `use for example "${fallback}"`,
    );
  }
  return chosen;
}

function seconds(option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new AuthConfigurationError(
      option,
      `is ${JSON.stringify(value)}, not a whole number >= ${min}`,
      `give a whole number${min > 0 ? ` of at least ${min}` : ''}, or omit it for the default (${fallback})`,
    );
  }
  return value;
}

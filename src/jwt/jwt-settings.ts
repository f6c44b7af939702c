import type { Provider } from '@nestjs/common';
import { AuthConfigurationError } from '../core/auth-error.js';
import { OptionsReader, settingsProvider } from '../core/options-reader.js';
import { readTrustedOrigins, type CsrfPolicy } from '../http/csrf.js';
import { MAX_TOLERANCE_SECONDS } from '../jws/jwt-checks.js';
import { SUPPORTED_ALGORITHMS } from '../jws/jws-algorithms.js';
import { buildKey, JwtKey, thumbprint } from './jwt-key.js';
import type { JwtAlgorithm, JwtKeyOptions, JwtOptions, TokenLocation } from './jwt-options.js';
import type { TokenType } from './token-claims.js';

const MAX_REUSE_GRACE_SECONDS = 60;
const LOCATIONS: readonly TokenLocation[] = ['header', 'cookie', 'query', 'body'];
const TOKEN_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const JWT_KEYS: readonly (keyof JwtOptions)[] = [
  'algorithms',
  'secret',
  'privateKey',
  'publicKey',
  'keys',
  'signingKeyId',
  'issuer',
  'audience',
  'clockToleranceSeconds',
  'maxTokenAgeSeconds',
  'identityClaim',
  'acceptTypJwt',
  'acceptTokensWithoutJti',
  'accessTokenTtlSeconds',
  'refreshTokenTtlSeconds',
  'refreshFamilyLifetimeSeconds',
  'customTokenTtlSeconds',
  'refreshReuseGraceSeconds',
  'tokenLocations',
  'queryParameter',
  'bodyField',
  'cookies',
  'verifiedTokenCacheSize',
];
const KEY_KEYS = ['kid', 'algorithm', 'secret', 'privateKey', 'publicKey'] as const;
const COOKIE_KEYS = [
  'hostPrefix',
  'secure',
  'sameSite',
  'accessName',
  'refreshName',
  'refreshPath',
  'csrfName',
  'csrfHeader',
  'trustedOrigins',
] as const;

/** The names and attributes of the cookie transport, prefixes applied. */
export interface ResolvedCookieSettings extends CsrfPolicy {
  readonly accessName: string;
  readonly refreshName: string;
  readonly csrfName: string;
  readonly csrfHeader: string;
  readonly trustedOrigins: ReadonlySet<string>;
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
  readonly acceptTypJwt: boolean;
  readonly acceptTokensWithoutJti: boolean;
  readonly accessTtlMs: number;
  readonly refreshTtlMs: number;
  readonly familyLifetimeMs: number;
  /** Lifetime of the tokens of `createJwt`. */
  readonly customTtlMs: number;
  /** The reuse grace window of refresh tokens; 0 when off. */
  readonly reuseGraceMs: number;
  /** The longest `exp − iat` each token type may claim, before the tolerance. */
  readonly lifetimeMs: Readonly<Record<TokenType, number>>;
  readonly locations: readonly TokenLocation[];
  readonly queryParameter: string;
  readonly bodyField: string;
  readonly cookies: ResolvedCookieSettings;
  readonly cacheSize: number;

  constructor(options: JwtOptions | undefined) {
    const jwt: OptionsReader = OptionsReader.of('jwt', options, JWT_KEYS, {
      problem: 'is missing, and JwtBackend needs it',
      fix: "add `jwt: { algorithms: ['HS256'], secret: process.env.JWT_SECRET }` to the AuthModule options",
    });
    this.algorithms = readAlgorithms(jwt.raw('algorithms'));
    const keys = readKeys(jwt, options!, this.algorithms);
    this.keys = new Map(keys.map((k) => [k.kid, k]));
    const byAlg = new Map<JwtAlgorithm, JwtKey[]>();
    for (const key of keys) byAlg.set(key.algorithm, [...(byAlg.get(key.algorithm) ?? []), key]);
    this.keysByAlgorithm = byAlg;
    for (const alg of this.algorithms) {
      if (!byAlg.has(alg)) {
        jwt.fail(
          'algorithms',
          `lists ${alg}, but no key uses it`,
          `remove ${alg} from the allowlist, or add a key for it`,
        );
      }
    }
    const signingKeyId = jwt.string('signingKeyId', undefined);
    if (signingKeyId !== undefined) {
      const key = this.keys.get(signingKeyId);
      if (!key || !key.canSign) {
        jwt.fail(
          'signingKeyId',
          `"${signingKeyId}" is not the kid of a key that can sign`,
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
    this.issuer = jwt.string('issuer', undefined);
    this.audience = jwt.strings('audience', {
      problem: 'must be a non-empty string or a non-empty array of them',
      fix: "write `audience: 'my-api'`",
    });
    this.toleranceMs = jwt.durationMs('clockToleranceSeconds', 5, 0);
    if (this.toleranceMs > MAX_TOLERANCE_SECONDS * 1000) {
      jwt.fail(
        'clockToleranceSeconds',
        `is ${this.toleranceMs / 1000}; more than ${MAX_TOLERANCE_SECONDS} seconds would keep expired tokens alive`,
        'use a few seconds (the default is 5) and keep server clocks in sync',
      );
    }
    this.maxAgeMs = jwt.optionalDurationMs('maxTokenAgeSeconds');
    this.identityClaim = jwt.string('identityClaim', 'sub');
    this.acceptTypJwt = jwt.boolean('acceptTypJwt', false);
    this.acceptTokensWithoutJti = jwt.boolean('acceptTokensWithoutJti', false);
    this.accessTtlMs = jwt.durationMs('accessTokenTtlSeconds', 900);
    this.refreshTtlMs = jwt.durationMs('refreshTokenTtlSeconds', 1_209_600);
    this.familyLifetimeMs = jwt.durationMs(
      'refreshFamilyLifetimeSeconds',
      Math.max(2_592_000, this.refreshTtlMs / 1000),
    );
    if (this.familyLifetimeMs < this.refreshTtlMs) {
      jwt.fail(
        'refreshFamilyLifetimeSeconds',
        'is shorter than jwt.refreshTokenTtlSeconds',
        'make the family lifetime at least as long as one refresh token',
      );
    }
    this.customTtlMs = jwt.durationMs('customTokenTtlSeconds', 900);
    // Within the window a replay goes unpunished (the family survives it), so it stays short.
    this.reuseGraceMs = jwt.durationMs('refreshReuseGraceSeconds', 0, 0, MAX_REUSE_GRACE_SECONDS);
    this.lifetimeMs = Object.freeze({
      access: this.accessTtlMs,
      refresh: this.refreshTtlMs,
      custom: this.customTtlMs,
    });
    this.locations = readLocations(jwt);
    const name = {
      pattern: TOKEN_NAME,
      problem: 'must be a short plain name',
      fix: 'use for example "access_token"',
    };
    this.queryParameter = jwt.string('queryParameter', 'access_token', name);
    this.bodyField = jwt.string('bodyField', 'access_token', name);
    this.cookies = readCookies(jwt.child('cookies', COOKIE_KEYS));
    this.cacheSize = jwt.count('verifiedTokenCacheSize', 10_000, 0);
  }

  /**
   * The longest any token issued or accepted here can live, in ms: "revoke everything" keeps
   * its cut-off that long, so the verifier refuses tokens that claim a longer life.
   */
  get longestLifetimeMs(): number {
    // The family's, not one refresh token's: a refresh racing the cut-off issues tokens after it
    // that carry the login's earlier time (see `TokenService`), refused for as long as it lasts.
    return Math.max(this.accessTtlMs, this.familyLifetimeMs, this.customTtlMs);
  }
}

/** The provider that validates `options.jwt` at bootstrap. */
export const jwtSettingsProvider: Provider = settingsProvider(
  JwtSettings,
  (options: { jwt?: JwtOptions }) => new JwtSettings(options.jwt),
);

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

function readKeys(
  jwt: OptionsReader,
  options: JwtOptions,
  algorithms: ReadonlySet<JwtAlgorithm>,
): JwtKey[] {
  const only = algorithms.size === 1 ? [...algorithms][0] : undefined;
  const shortcuts = (['secret', 'privateKey', 'publicKey'] as const).filter((name) =>
    jwt.has(name),
  );
  if (shortcuts.length > 0 && jwt.has('keys')) {
    jwt.fail(
      shortcuts[0]!,
      'is given together with `jwt.keys`',
      'move it into `keys` as `{ kid, algorithm, … }`, or drop `keys`',
    );
  }
  if (shortcuts.length > 0) {
    if (only === undefined) {
      jwt.fail(
        'algorithms',
        `lists several algorithms, so the key given as jwt.${shortcuts[0]} has no single algorithm`,
        'use `keys: [{ kid, algorithm, … }]`, or list exactly one algorithm',
      );
    }
    const key = buildKey('jwt', '', only, options);
    return [new JwtKey(thumbprint(key.verifyKey), only, key.verifyKey, key.signKey)];
  }
  const list = jwt.raw('keys');
  if (!Array.isArray(list) || list.length === 0) {
    jwt.fail(
      'keys',
      'no key is configured',
      'give `secret` (HS*), `privateKey`/`publicKey`, or `keys: [{ kid, … }]`',
    );
  }
  const seen = new Set<string>();
  return list.map((item: unknown, index) => {
    const entry: OptionsReader = OptionsReader.of(`jwt.keys[${index}]`, item, KEY_KEYS, {
      problem: 'is not an object',
      fix: 'write `{ kid, algorithm, secret }`',
    });
    const kid = entry.string('kid', undefined, {
      pattern: /^[\x21-\x7e]{1,128}$/,
      problem: 'must be 1-128 printable ASCII characters',
      fix: 'give each key a short id such as "2026-01"',
    });
    if (kid === undefined) {
      entry.fail('kid', 'is missing', 'give each key a short id such as "2026-01"');
    }
    if (seen.has(kid)) entry.fail('kid', `"${kid}" is used twice`, 'give each key its own kid');
    seen.add(kid);
    const algorithm = (entry.raw('algorithm') as JwtAlgorithm | undefined) ?? only;
    if (algorithm === undefined) {
      entry.fail(
        'algorithm',
        'is missing and the allowlist has several algorithms',
        'bind the key to one algorithm, for example `algorithm: "ES256"`',
      );
    }
    if (!algorithms.has(algorithm)) {
      entry.fail(
        'algorithm',
        `${algorithm} is not in jwt.algorithms`,
        `add ${algorithm} to jwt.algorithms or change the key's algorithm`,
      );
    }
    return buildKey(entry.path, kid, algorithm, item as JwtKeyOptions);
  });
}

function readLocations(jwt: OptionsReader): readonly TokenLocation[] {
  const value = jwt.raw('tokenLocations');
  if (value === undefined) return Object.freeze(['header', 'cookie'] as TokenLocation[]);
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((l) => !LOCATIONS.includes(l as TokenLocation)) ||
    new Set(value).size !== value.length
  ) {
    jwt.fail(
      'tokenLocations',
      `must list some of ${LOCATIONS.join(', ')}, each once`,
      "write for example `tokenLocations: ['header', 'cookie']`",
    );
  }
  return Object.freeze([...(value as TokenLocation[])]);
}

function readCookies(c: OptionsReader): ResolvedCookieSettings {
  const secure = c.boolean('secure', true);
  // Follows `secure`, as the session cookie's does: `secure: false` alone is enough for
  // plain-HTTP development, and a Secure cookie gets the prefix unless it is turned off.
  const hostPrefix = c.boolean('hostPrefix', secure);
  if (hostPrefix && !secure) {
    c.fail(
      'hostPrefix',
      'needs `secure: true` (browsers drop __Host- cookies without Secure)',
      'keep `secure: true`, or also set `hostPrefix: false` for plain-HTTP development',
    );
  }
  const sameSite = c.oneOf('sameSite', ['strict', 'lax', 'none'], 'lax');
  if (sameSite === 'none' && !secure) {
    c.fail(
      'sameSite',
      "is 'none' without `secure`, which browsers refuse",
      "use 'lax', or keep `secure: true`",
    );
  }
  const name = (option: string, fallback: string): string =>
    c.string(option, fallback, {
      pattern: COOKIE_NAME,
      problem: 'must be 1-64 letters, digits, "_" or "-"',
      fix: `use a plain name such as "${fallback}"`,
    });
  const refreshPath = c.string('refreshPath', '/auth/refresh', {
    pattern: /^\/[\x21-\x3a\x3c-\x7e]*$/,
    problem: 'must be an absolute URL path',
    fix: "use the path of your refresh endpoint, for example '/auth/refresh'",
  });
  return Object.freeze({
    accessName: (hostPrefix ? '__Host-' : '') + name('accessName', 'access_token'),
    // __Host- demands Path=/, which would send the refresh token everywhere; __Secure- still
    // requires HTTPS while allowing the narrow path.
    refreshName:
      (hostPrefix ? (refreshPath === '/' ? '__Host-' : '__Secure-') : '') +
      name('refreshName', 'refresh_token'),
    csrfName: (hostPrefix ? '__Host-' : '') + name('csrfName', 'csrf_token'),
    csrfHeader: name('csrfHeader', 'x-csrf-token').toLowerCase(),
    trustedOrigins: readTrustedOrigins(c, 'trustedOrigins'),
    refreshPath,
    secure,
    sameSite,
  });
}

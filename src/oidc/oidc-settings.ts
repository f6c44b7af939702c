import type { Provider } from '@nestjs/common';
import { OptionsReader, settingsProvider } from '../core/options-reader.js';
import {
  ASYMMETRIC_ALGORITHMS,
  isAsymmetricAlgorithm,
  type AsymmetricAlgorithm,
} from '../jws/jws-algorithms.js';
import { MAX_TOLERANCE_SECONDS } from '../jws/jwt-checks.js';
import type { OidcIssuerOptions, OidcOptions } from './oidc-options.js';
import { providerUrlProblem } from './provider-url.js';

const OIDC_KEYS: readonly (keyof OidcOptions)[] = ['name', 'issuers', 'verifiedTokenCacheSize'];
const ISSUER_KEYS: readonly (keyof OidcIssuerOptions)[] = [
  'issuer',
  'audience',
  'discoveryUrl',
  'algorithms',
  'acceptTypJwt',
  'identityClaim',
  'rolesClaim',
  'narrowByScopes',
  'clockToleranceSeconds',
  'maxTokenAgeSeconds',
  'jwks',
  'requestTimeoutSeconds',
  'introspection',
];
const JWKS_KEYS = ['maxAgeSeconds', 'cooldownSeconds'] as const;
const INTROSPECTION_KEYS = [
  'clientId',
  'clientSecret',
  'endpoint',
  'cacheSeconds',
  'cacheSize',
] as const;
const BACKEND_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const CLAIM_NAME = /^[\x21-\x7e]{1,256}$/;

/** How one issuer's opaque tokens are introspected. */
export interface IntrospectionSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  /** `undefined`: the discovery document's `introspection_endpoint`. */
  readonly endpoint: string | undefined;
  readonly cacheMs: number;
  readonly cacheSize: number;
}

/** One issuer's options after bootstrap validation; times in milliseconds. */
export interface IssuerSettings {
  /** Where in the options it came from (`oidc.issuers[0]`), for messages. */
  readonly path: string;
  readonly issuer: string;
  readonly audience: readonly string[];
  readonly discoveryUrl: string;
  readonly algorithms: ReadonlySet<AsymmetricAlgorithm>;
  readonly acceptTypJwt: boolean;
  readonly identityClaim: string;
  /**
   * Where the roles may be, as paths of claim names tried in order (a dotted name is tried
   * whole first, then split); `undefined` when roles are not read.
   */
  readonly rolesClaim: readonly (readonly string[])[] | undefined;
  readonly narrowByScopes: boolean;
  readonly toleranceMs: number;
  readonly maxAgeMs: number | undefined;
  readonly jwksMaxAgeMs: number;
  readonly jwksCooldownMs: number;
  readonly timeoutMs: number;
  readonly introspection: IntrospectionSettings | undefined;
}

/**
 * The OIDC options after bootstrap validation. Built once by {@link oidcSettingsProvider};
 * internal to the library.
 */
export class OidcSettings {
  readonly name: string;
  readonly issuers: readonly IssuerSettings[];
  readonly cacheSize: number;

  constructor(options: OidcOptions | undefined) {
    const oidc: OptionsReader = OptionsReader.of('oidc', options, OIDC_KEYS, {
      problem: 'is missing, and OidcBackend needs it',
      fix: "add `oidc: { issuers: [{ issuer: 'https://login.example.com/', audience: 'my-api' }] }` to the AuthModule options",
    });
    this.name = oidc.string('name', 'oidc', {
      pattern: BACKEND_NAME,
      problem: 'is not a valid backend name',
      fix: 'use 1 to 64 letters, digits, "_", "-", "." or ":"',
    });
    const list = oidc.raw('issuers');
    if (!Array.isArray(list) || list.length === 0) {
      oidc.fail(
        'issuers',
        'lists no issuer',
        "list the identity providers, for example `issuers: [{ issuer: 'https://login.example.com/', audience: 'my-api' }]`",
      );
    }
    this.issuers = Object.freeze(
      list.map((item: unknown, i) => readIssuer(`oidc.issuers[${i}]`, item)),
    );
    const seen = new Set<string>();
    this.issuers.forEach((issuer, i) => {
      if (seen.has(issuer.issuer)) {
        oidc.fail(
          `issuers[${i}].issuer`,
          `"${issuer.issuer}" is configured twice`,
          'configure each issuer once; list several audiences in its `audience`',
        );
      }
      seen.add(issuer.issuer);
    });
    const introspecting = this.issuers.filter((issuer) => issuer.introspection !== undefined);
    if (introspecting.length > 1) {
      oidc.fail(
        `issuers[${this.issuers.indexOf(introspecting[1]!)}].introspection`,
        'is set on a second issuer; an opaque token does not say who issued it, and sending it to every issuer would hand it to ones it does not belong to',
        'keep introspection on one issuer, and have the others issue JWT access tokens',
      );
    }
    this.cacheSize = oidc.count('verifiedTokenCacheSize', 10_000, 0);
  }
}

/** The provider that validates `options.oidc` at bootstrap. */
export const oidcSettingsProvider: Provider = settingsProvider(
  OidcSettings,
  (options: { oidc?: OidcOptions }) => new OidcSettings(options.oidc),
);

function readIssuer(path: string, item: unknown): IssuerSettings {
  const r: OptionsReader = OptionsReader.of(path, item, ISSUER_KEYS, {
    problem: 'is not an object',
    fix: "write `{ issuer: 'https://login.example.com/', audience: 'my-api' }`",
  });
  const issuer = readUrl(r, 'issuer', true)!;
  if (new URL(issuer).search !== '') {
    r.fail(
      'issuer',
      'has a query string',
      'give the issuer identifier exactly as the provider names it',
    );
  }
  const toleranceMs = r.durationMs('clockToleranceSeconds', 5, 0);
  if (toleranceMs > MAX_TOLERANCE_SECONDS * 1000) {
    r.fail(
      'clockToleranceSeconds',
      `is ${toleranceMs / 1000}; more than ${MAX_TOLERANCE_SECONDS} seconds would keep expired tokens alive`,
      'use a few seconds (the default is 5)',
    );
  }
  const jwks: OptionsReader = r.child('jwks', JWKS_KEYS);
  const name = {
    pattern: CLAIM_NAME,
    problem: 'must be a claim name',
    fix: "write for example 'sub'",
  };
  return Object.freeze({
    path,
    issuer,
    audience: readAudience(r),
    discoveryUrl:
      readUrl(r, 'discoveryUrl', false) ??
      `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
    algorithms: readAlgorithms(r),
    acceptTypJwt: r.boolean('acceptTypJwt', false),
    identityClaim: r.string('identityClaim', 'sub', name),
    rolesClaim: readClaimPath(r, 'rolesClaim'),
    narrowByScopes: r.boolean('narrowByScopes', true),
    toleranceMs,
    maxAgeMs: r.optionalDurationMs('maxTokenAgeSeconds'),
    jwksMaxAgeMs: jwks.durationMs('maxAgeSeconds', 600),
    jwksCooldownMs: jwks.durationMs('cooldownSeconds', 30),
    timeoutMs: r.durationMs('requestTimeoutSeconds', 5, 1, 60),
    introspection: readIntrospection(r),
  });
}

function readUrl(r: OptionsReader, key: string, required: boolean): string | undefined {
  const value = r.raw(key);
  if (value === undefined) {
    if (required)
      r.fail(
        key,
        'is missing',
        "give the issuer identifier, for example 'https://login.example.com/'",
      );
    return undefined;
  }
  const problem = providerUrlProblem(value);
  if (problem !== undefined) {
    r.fail(
      key,
      `${JSON.stringify(value)} ${problem}`,
      'use an https:// URL (plain http:// only on 127.0.0.1, ::1 or localhost)',
    );
  }
  return value as string;
}

function readAudience(r: OptionsReader): readonly string[] {
  const fix =
    "give this API's audience as the provider writes it in `aud`, for example `audience: 'api://orders'`";
  const audience = r.strings('audience', {
    problem: 'must be a non-empty string or a non-empty array of them',
    fix,
  });
  if (audience === undefined) {
    r.fail(
      'audience',
      'is missing; without it a token meant for any other API of the provider would pass',
      fix,
    );
  }
  return audience;
}

function readAlgorithms(r: OptionsReader): ReadonlySet<AsymmetricAlgorithm> {
  const value = r.raw('algorithms');
  if (value === undefined) return new Set(ASYMMETRIC_ALGORITHMS);
  if (!Array.isArray(value) || value.length === 0) {
    r.fail('algorithms', 'must be a non-empty array', "write for example `algorithms: ['RS256']`");
  }
  for (const alg of value) {
    if (!isAsymmetricAlgorithm(alg)) {
      r.fail(
        'algorithms',
        typeof alg === 'string' && (alg.toLowerCase() === 'none' || /^hs/i.test(alg))
          ? `lists ${JSON.stringify(alg)}: an identity provider's tokens are verified with its public keys, so unsigned and HMAC tokens are never accepted`
          : `lists the unknown algorithm ${JSON.stringify(alg)}`,
        `use some of ${ASYMMETRIC_ALGORITHMS.join(', ')} (names are case-sensitive)`,
      );
    }
  }
  return new Set(value as AsymmetricAlgorithm[]);
}

function readClaimPath(r: OptionsReader, key: string): readonly (readonly string[])[] | undefined {
  const parts = r.strings(key, {
    problem: 'must be a claim name, a dotted path or an array of claim names',
    fix: "write for example 'realm_access.roles' or ['https://example.com/roles']",
  });
  if (parts === undefined) return undefined;
  const value = r.raw(key);
  // A name with dots may be one claim (Auth0's namespaced claims) or a path (Keycloak's):
  // tried whole first, then split. An array is a path as given.
  if (typeof value !== 'string') return Object.freeze([parts]);
  const split = value.split('.');
  if (split.length === 1 || split.some((p) => p === '')) return Object.freeze([parts]);
  return Object.freeze([parts, Object.freeze(split)]);
}

function readIntrospection(r: OptionsReader): IntrospectionSettings | undefined {
  if (!r.has('introspection')) return undefined;
  const i: OptionsReader = r.child('introspection', INTROSPECTION_KEYS);
  const required = (key: string, fix: string): string => {
    const value = i.string(key, undefined);
    if (value === undefined) i.fail(key, 'is missing', fix);
    return value;
  };
  return Object.freeze({
    clientId: required('clientId', "give the resource server's client id at the provider"),
    clientSecret: required('clientSecret', 'give its client secret, for example from process.env'),
    endpoint: readUrl(i, 'endpoint', false),
    cacheMs: i.durationMs('cacheSeconds', 60, 0),
    cacheSize: i.count('cacheSize', 10_000, 1),
  });
}

import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { JwsAlgorithm } from '../jws/jws-algorithms.js';

/** The signature algorithms the JWT backend knows. `none` is not one of them, on purpose. */
export type JwtAlgorithm = JwsAlgorithm;

/** Key material: PEM text, raw bytes, a JWK object, or a ready `KeyObject`. */
export type JwtKeyMaterial = string | Buffer | KeyObject | JsonWebKey;

/** Where the backend looks for an access token. */
export type TokenLocation = 'header' | 'cookie' | 'query' | 'body';

/**
 * One signing or verification key. Give `secret` for HS*, `privateKey` (and optionally
 * `publicKey`) for a key that signs, or only `publicKey` for a key that only verifies.
 */
export interface JwtKeyOptions {
  /** The key id, written in the `kid` header of the tokens it signs. Unique among the keys. */
  kid: string;
  /**
   * The one algorithm this key is used with; a token naming another algorithm is refused.
   * Default: the allowlist's only algorithm, when it has exactly one.
   */
  algorithm?: JwtAlgorithm;
  /** HMAC secret (HS*): at least as many bytes as the hash output (32, 48 or 64). */
  secret?: string | Buffer | KeyObject;
  /** Private key (RS*, PS*, ES*, EdDSA), PEM or JWK. Its public half is derived. */
  privateKey?: JwtKeyMaterial;
  /** Public key, for keys that only verify (for example a retired signing key). */
  publicKey?: JwtKeyMaterial;
}

/** The cookies of the cookie transport (see `TokenCookies`). */
export interface JwtCookieOptions {
  /**
   * Prefix the cookie names with `__Host-` (the refresh cookie, which has a narrow path, gets
   * `__Secure-`), so a sibling subdomain cannot plant them. Requires HTTPS. Default: `true`.
   */
  hostPrefix?: boolean;
  /** The `Secure` attribute. Turning it off is for plain-HTTP development only. Default: `true`. */
  secure?: boolean;
  /** `SameSite` of the access and CSRF cookies. Default: `'lax'`. */
  sameSite?: 'strict' | 'lax' | 'none';
  /** Name of the access token cookie, before the prefix. Default: `'access_token'`. */
  accessName?: string;
  /** Name of the refresh token cookie, before the prefix. Default: `'refresh_token'`. */
  refreshName?: string;
  /** Path of the refresh cookie, so it only travels to the refresh endpoint. Default: `'/auth/refresh'`. */
  refreshPath?: string;
  /** Name of the CSRF cookie (readable by scripts), before the prefix. Default: `'csrf_token'`. */
  csrfName?: string;
  /** The header that must echo the CSRF cookie on unsafe methods. Default: `'x-csrf-token'`. */
  csrfHeader?: string;
  /**
   * Origins, besides the server's own, whose pages may send cookie-authenticated writes (a front
   * end on another host): `['https://app.example.com']`. The same check as `session.trustedOrigins`.
   * Default: none.
   */
  trustedOrigins?: readonly string[];
}

/**
 * Settings of the JWT backend and `TokenService`: `AuthModule.forRoot({ jwt: { … } })`.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 *
 * const hmac: JwtOptions = {
 *   algorithms: ['HS256'],
 *   secret: process.env.JWT_SECRET!,
 *   issuer: 'my-api',
 *   audience: 'my-api',
 * };
 *
 * const rotated: JwtOptions = {
 *   algorithms: ['ES256'],
 *   keys: [
 *     { kid: '2026-02', privateKey: readFileSync('es256-new.pem') },    // signs
 *     { kid: '2025-11', publicKey: readFileSync('es256-old.pub.pem') }, // still verifies
 *   ],
 *   signingKeyId: '2026-02',
 * };
 */
export interface JwtOptions {
  /** The algorithms accepted, an explicit allowlist. `none` can never be listed. Required. */
  algorithms: readonly JwtAlgorithm[];
  /** Shortcut for one HMAC key (kid derived from it). Use `keys` to rotate. */
  secret?: string | Buffer | KeyObject;
  /** Shortcut for one asymmetric signing key (kid = its RFC 7638 thumbprint). */
  privateKey?: JwtKeyMaterial;
  /** Shortcut for one asymmetric verification-only key (kid = its RFC 7638 thumbprint). */
  publicKey?: JwtKeyMaterial;
  /** The keys, chosen by the token's `kid`. Retire a key by removing it. */
  keys?: readonly JwtKeyOptions[];
  /** The `kid` of the key that signs new tokens. Default: the first key that can sign. */
  signingKeyId?: string;
  /** Written as `iss` and required on every token. Default: none (not checked). */
  issuer?: string;
  /** Written as `aud` and required on every token (any one of them). Default: none. */
  audience?: string | readonly string[];
  /** Leeway for `exp`, `nbf` and `iat`, in seconds; at most 300. Default: `5`. */
  clockToleranceSeconds?: number;
  /** Refuse tokens whose `iat` is older than this, whatever their `exp`. Default: none. */
  maxTokenAgeSeconds?: number;
  /** The claim naming the user, passed to `UserModel.loadUser`. Default: `'sub'`. */
  identityClaim?: string;
  /**
   * Also accept access tokens whose `typ` header is `JWT` or absent, not only `at+jwt`: for
   * tokens minted by another service that shares the key (PyJWT, jsonwebtoken and most libraries
   * write `typ: "JWT"`). Refresh tokens still need `refresh+jwt`, so neither kind can pass for the
   * other. Default: `false`.
   */
  acceptTypJwt?: boolean;
  /**
   * Also accept access tokens without a `jti`. Such a token **cannot be revoked on its own**:
   * `TokenService.revoke` and `logout` refuse it, and only `revokeAllForUser` (which compares
   * `iat`) or its expiry ends it. Keep their lifetime short. Default: `false`.
   */
  acceptTokensWithoutJti?: boolean;
  /**
   * Lifetime of access tokens, in seconds, and the longest one may claim: an access token whose
   * `exp − iat` exceeds it (plus the clock tolerance) is refused, whoever signed it.
   * Default: `900` (15 minutes).
   */
  accessTokenTtlSeconds?: number;
  /**
   * Lifetime of one refresh token, in seconds, and the longest one may claim (plus the clock
   * tolerance). Default: `1209600` (14 days).
   */
  refreshTokenTtlSeconds?: number;
  /**
   * Absolute lifetime of a refresh-token family (one login), in seconds: rotation never
   * extends past it, and a refresh token whose family claims to end later after its `iat` is
   * refused. Default: `2592000` (30 days).
   */
  refreshFamilyLifetimeSeconds?: number;
  /**
   * Lifetime of the tokens of `TokenService.createJwt` (type `custom`, `typ: custom+jwt`), in
   * seconds, and the longest one may claim: `createJwt`'s `expiresIn` may only shorten it. Such
   * tokens never authenticate a request. "Log out everywhere" keeps its cut-off for the longest
   * of the lifetimes, so a long one here costs memory in the revocation store.
   * Default: `900` (15 minutes).
   */
  customTokenTtlSeconds?: number;
  /**
   * The reuse grace window of refresh tokens, in seconds (at most 60): presenting the refresh
   * token just spent again within it (two tabs refreshing at once, a retry after a lost answer)
   * is refused with 401 and a `token_refresh_failed` event (`TOKEN_REFRESH_IN_GRACE`), without
   * revoking the login. After it, a second presentation is a reuse and revokes the whole family,
   * as always. The window is the price: a thief replaying within it is refused but not detected.
   * With Redis, turn it on only once every instance runs a version that knows it.
   * Default: `0` (off: every second presentation revokes the family).
   */
  refreshReuseGraceSeconds?: number;
  /**
   * Where access tokens are read from, in order; the first place holding one is used.
   * `'query'` and `'body'` leak tokens into logs and history, so they are opt-in only.
   * Default: `['header', 'cookie']`.
   */
  tokenLocations?: readonly TokenLocation[];
  /** The query parameter read when `'query'` is a location. Default: `'access_token'`. */
  queryParameter?: string;
  /** The JSON body field read when `'body'` is a location. Default: `'access_token'`. */
  bodyField?: string;
  /** The cookie transport. Default: see {@link JwtCookieOptions}. */
  cookies?: JwtCookieOptions;
  /**
   * How many verified tokens to remember, so a token seen again skips signature checks
   * (expiry and revocation are still checked on every request). `0` turns it off.
   * Default: `10000`.
   */
  verifiedTokenCacheSize?: number;
}

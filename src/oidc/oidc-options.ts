import type { AsymmetricAlgorithm } from '../jws/jws-algorithms.js';

/** The signature algorithms an identity provider's tokens may use: asymmetric ones only. */
export type OidcAlgorithm = AsymmetricAlgorithm;

/** The JWKS cache of one issuer. */
export interface OidcJwksOptions {
  /**
   * How long fetched keys count as current, in seconds. After that they are fetched again in the
   * background (requests keep using the keys they have), so keys the provider withdrew stop
   * working. Default: `600`.
   */
  maxAgeSeconds?: number;
  /**
   * The least time between two fetches, in seconds. A token with an unknown `kid` fetches the
   * JWKS again at most once per cooldown, so a flood of made-up `kid`s cannot hammer the
   * provider; a failed fetch is retried no sooner either. Default: `30`.
   */
  cooldownSeconds?: number;
}

/**
 * Opaque (non-JWT) access tokens, checked by token introspection (RFC 7662). The library is the
 * resource server and authenticates to the endpoint with `client_secret_basic`.
 */
export interface OidcIntrospectionOptions {
  /** The resource server's client id at the provider. Required. */
  clientId: string;
  /** Its client secret. Required. */
  clientSecret: string;
  /**
   * The introspection endpoint; HTTPS, or plain HTTP on a loopback address.
   * Default: the discovery document's `introspection_endpoint`.
   */
  endpoint?: string;
  /**
   * The longest time an answer is reused, in seconds: an active token's answer is kept until the
   * earlier of its `exp` and this bound (so a revocation at the provider takes effect within it);
   * an inactive one for this bound. `0` asks the provider on every request. Default: `60`.
   */
  cacheSeconds?: number;
  /** How many answers are kept, keyed by a SHA-256 of the token (oldest out). Default: `10000`. */
  cacheSize?: number;
}

/**
 * One identity provider (issuer) whose access tokens the API accepts.
 *
 * @example
 * const keycloak: OidcIssuerOptions = {
 *   issuer: 'https://sso.example.com/realms/acme',
 *   audience: 'orders-api',
 *   rolesClaim: 'realm_access.roles',
 *   acceptTypJwt: true,
 * };
 */
export interface OidcIssuerOptions {
  /**
   * The issuer identifier, exactly as the provider writes it in `iss` and in its discovery
   * document (a trailing slash counts). HTTPS, or plain HTTP on a loopback address. Required.
   */
  issuer: string;
  /** The audiences this API answers to; a token's `aud` must name one of them. Required. */
  audience: string | readonly string[];
  /**
   * Where the discovery document is (OpenID Connect Discovery 1.0, RFC 8414). HTTPS, or plain
   * HTTP on a loopback address. Its `issuer` must equal {@link issuer} exactly.
   * Default: `<issuer>/.well-known/openid-configuration`.
   */
  discoveryUrl?: string;
  /**
   * The algorithms accepted; each key is used with its own algorithm only (its JWK `alg`, or the
   * one its type implies: RS256 for RSA, the curve's ES* for EC, EdDSA for OKP). Never HS* and
   * never `none`. Default: every asymmetric algorithm (RS*, PS*, ES*, EdDSA).
   */
  algorithms?: readonly OidcAlgorithm[];
  /**
   * Also accept tokens whose `typ` header is `JWT` or absent, not only `at+jwt` (RFC 9068).
   * Keycloak, Auth0 (by default) and Entra ID write `typ: "JWT"`. Default: `false`.
   */
  acceptTypJwt?: boolean;
  /** The claim naming the user. Default: `'sub'`. */
  identityClaim?: string;
  /**
   * Where the roles are: a claim name, a dotted path into nested claims (Keycloak
   * `'realm_access.roles'`, Entra `'roles'`, Auth0 `'permissions'`), or the path as an array of
   * names for claims whose name holds dots (`['https://example.com/roles']`). A name with dots
   * is first looked up whole. The value is an array of strings (or one string). They become
   * `AuthSuccess.roles`. Default: none.
   */
  rolesClaim?: string | readonly string[];
  /**
   * Whether the token's `scope` (space-separated) or `scp` (an array, or space-separated) claim
   * narrows the user's permissions, as an API key's scopes do. Turn it off only for providers
   * whose access tokens carry identity scopes alone (`openid profile email`) and where roles
   * decide. Default: `true`.
   */
  narrowByScopes?: boolean;
  /** Leeway for `exp`, `nbf` and `iat`, in seconds; at most 300. Default: `5`. */
  clockToleranceSeconds?: number;
  /** Refuse tokens whose `iat` is older than this (and tokens without `iat`). Default: none. */
  maxTokenAgeSeconds?: number;
  /** The JWKS cache. Default: see {@link OidcJwksOptions}. */
  jwks?: OidcJwksOptions;
  /**
   * How long a request to the provider (discovery, JWKS, introspection) may take, in seconds.
   * Default: `5`.
   */
  requestTimeoutSeconds?: number;
  /**
   * Accept opaque access tokens from this issuer through introspection. At most one issuer may
   * have it: an opaque token does not say who issued it. Default: none (JWTs only).
   */
  introspection?: OidcIntrospectionOptions;
}

/**
 * Settings of `OidcBackend`, the resource-server mode: `AuthModule.forRoot({ oidc: { … } })`.
 *
 * @example
 * const oidc: OidcOptions = {
 *   issuers: [
 *     { issuer: 'https://login.example.com/tenant-a/', audience: 'api://orders' },
 *     { issuer: 'https://login.example.com/tenant-b/', audience: 'api://orders', rolesClaim: 'roles' },
 *   ],
 * };
 */
export interface OidcOptions {
  /** The backend's name, for `@Auth('…')` and `request.auth`. Default: `'oidc'`. */
  name?: string;
  /** The identity providers accepted; a token is checked against the one its `iss` names. */
  issuers: readonly OidcIssuerOptions[];
  /**
   * How many verified tokens to remember, so a token seen again skips the signature check
   * (times and the key's presence are still checked on every request). `0` turns it off.
   * Default: `10000`.
   */
  verifiedTokenCacheSize?: number;
}

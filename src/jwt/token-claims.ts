/** The name of the JWT backend: `request.auth` and `AuthInfo.backend` of a request it authenticated. */
export const JWT_BACKEND_NAME = 'jwt';

/**
 * Access tokens authenticate requests; refresh tokens only buy new pairs; custom tokens (from
 * `TokenService.createJwt`) are the application's own (a link in a mail, an invitation), verified
 * with `verify(token, { type: 'custom' })` and never accepted as either of the others.
 */
export type TokenType = 'access' | 'refresh' | 'custom';

/**
 * The registered and library claims of a token this library issues. Custom claims sit beside
 * them; they can never replace these.
 */
export interface TokenClaims {
  /** The user (or whichever claim `jwt.identityClaim` names). */
  sub?: string;
  iss?: string;
  aud?: string | string[];
  /** Expiry, seconds since the epoch. Always present. */
  exp: number;
  /** Not before, seconds since the epoch. */
  nbf?: number;
  /** Issued at, seconds since the epoch with millisecond decimals. Always present. */
  iat: number;
  /**
   * Unique id (at least 128 random bits), used to revoke this one token. Always present on the
   * library's tokens; absent only on another service's tokens accepted with
   * `jwt.acceptTokensWithoutJti`.
   */
  jti?: string;
  /** The refresh family (one login) the token belongs to. */
  fam?: string;
  /** When the family ends for good, seconds since the epoch (refresh tokens only). */
  fam_exp?: number;
  /**
   * The refresh token's place in its family: 0 for the one issued at login, one more at each
   * rotation (refresh tokens only). The store remembers the highest generation spent.
   */
  fam_gen?: number;
  /** `true` only on access tokens issued right after a credential check. */
  fresh?: boolean;
  /** When the user last proved their credentials, seconds since the epoch. */
  auth_time?: number;
  /** Space-separated scopes; when present they narrow the user's permissions. */
  scope?: string;
  [claim: string]: unknown;
}

/** Claims a caller may never set through `claims` or `createJwt`: the library owns them. */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'fam',
  'fam_exp',
  'fam_gen',
  'fresh',
  'auth_time',
  'scope',
  'type',
  'typ',
]);

/** A token whose signature, type, times, issuer and audience were checked. */
export interface VerifiedToken {
  readonly type: TokenType;
  /** The verified payload, frozen. */
  readonly claims: Readonly<TokenClaims>;
  /** The `kid` of the key that verified it. */
  readonly kid: string;
  /** The identity claim's value. */
  readonly subject: string;
  /**
   * The `jti`; `undefined` only for a token accepted with `jwt.acceptTokensWithoutJti`, which
   * cannot be revoked on its own.
   */
  readonly id: string | undefined;
  /** The refresh family, if the token belongs to one. */
  readonly family: string | undefined;
  /** `iat` in ms since the epoch. */
  readonly issuedAt: number;
  /** `exp` in ms since the epoch. */
  readonly expiresAt: number;
  /** `nbf` in ms since the epoch, if any. */
  readonly notBefore: number | undefined;
  /** Whether the token came straight from a credential check. */
  readonly fresh: boolean;
  /** The scopes of the `scope` claim, if any. */
  readonly scopes: readonly string[] | undefined;
}

/** What login and refresh endpoints return (RFC 6749 §5.1 field names). */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'bearer';
  /** Lifetime of the access token, in seconds. */
  expires_in: number;
}

/**
 * A pair as `TokenService.issuePair` and `TokenService.refresh` return it: the response to send,
 * plus what an application may record about the login (a list of its users' devices, say).
 * `family` and `refreshExpiresAt` are not enumerable, so the pair sent as a response body (or
 * spread) carries only the four fields above.
 */
export interface IssuedTokenPair extends TokenPair {
  /** The refresh family: the login, the same through every rotation (the `fam` claim). */
  readonly family: string;
  /** When the refresh token expires, in ms since the epoch. */
  readonly refreshExpiresAt: number;
}

/** A JSON Web Key Set of the public verification keys. */
export interface JwksDocument {
  keys: Array<Record<string, unknown> & { kid: string; alg: string; use: 'sig' }>;
}

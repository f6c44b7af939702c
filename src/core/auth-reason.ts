/**
 * Why the library refused a request or failed an operation: one stable code, for audit sinks and
 * exception filters to switch on. Codes are grouped by feature. A code never changes its meaning;
 * new codes may be added. The HTTP response never carries it.
 */
export type AuthReasonCode =
  // Any backend, and the guard
  | 'CREDENTIAL_MISSING'
  | 'CREDENTIAL_INVALID'
  | 'CREDENTIAL_NOT_FRESH'
  | 'BACKEND_NOT_ALLOWED'
  | 'USER_NOT_FOUND'
  | 'PERMISSION_MISSING'
  | 'USER_MODEL_UNAVAILABLE'
  | 'DEPENDENCY_UNAVAILABLE'
  // Passport strategies
  | 'PASSPORT_STRATEGY_DECLINED'
  // JWT verification
  | 'JWT_MALFORMED'
  | 'JWT_ALG_NOT_ALLOWED'
  | 'JWT_TYP_MISMATCH'
  | 'JWT_KID_UNKNOWN'
  | 'JWT_CRIT_UNSUPPORTED'
  | 'JWT_SIGNATURE_INVALID'
  | 'JWT_SIGNATURE_NOT_CANONICAL'
  | 'JWT_CLAIM_INVALID'
  | 'JWT_ISS_MISMATCH'
  | 'JWT_AUD_MISMATCH'
  | 'JWT_LIFETIME_TOO_LONG'
  | 'JWT_EXPIRED'
  | 'JWT_NOT_YET_VALID'
  // Token revocation and refresh
  | 'TOKEN_REVOKED'
  | 'TOKEN_NOT_REVOCABLE'
  | 'TOKEN_REFRESH_REUSED'
  | 'TOKEN_REFRESH_IN_GRACE'
  | 'REVOCATION_STORE_UNAVAILABLE'
  | 'REVOCATION_QUOTA_EXCEEDED'
  // CSRF (JWT cookies and sessions)
  | 'CSRF_TOKEN_INVALID'
  | 'CSRF_ORIGIN_REJECTED'
  | 'CSRF_LOGIN_CROSS_SITE'
  // Cookie sessions
  | 'SESSION_INVALID'
  | 'SESSION_EXPIRED'
  | 'SESSION_MIDDLEWARE_MISSING'
  | 'SESSION_STORE_UNAVAILABLE'
  // API keys
  | 'API_KEY_MALFORMED'
  | 'API_KEY_UNKNOWN'
  | 'API_KEY_SECRET_MISMATCH'
  | 'API_KEY_REVOKED'
  | 'API_KEY_EXPIRED'
  | 'API_KEY_STORE_UNAVAILABLE'
  // Login throttling
  | 'LOGIN_THROTTLED'
  | 'LOGIN_THROTTLE_UNAVAILABLE'
  // Identity providers' tokens (OidcBackend); their JWT checks use the JWT_ codes
  | 'OIDC_ISS_MISMATCH'
  | 'OIDC_KID_UNKNOWN'
  | 'OIDC_KEYS_UNAVAILABLE'
  | 'OIDC_TOKEN_INACTIVE'
  | 'OIDC_INTROSPECTION_UNAVAILABLE'
  // Transports other than HTTP (GraphQL, WebSocket, RPC)
  | 'CONTEXT_UNSUPPORTED'
  | 'CSRF_FORM_CONTENT_TYPE'
  | 'GRAPHQL_MUTATION_OVER_GET';

/**
 * Every {@link AuthReasonCode} with a one-line description, so a sink can enumerate the codes
 * (`Object.keys(AUTH_REASONS)`) or show what one means.
 */
export const AUTH_REASONS: Readonly<Record<AuthReasonCode, string>> = Object.freeze({
  CREDENTIAL_MISSING: 'The request carried no credential for the backends tried.',
  CREDENTIAL_INVALID:
    'The backend did not accept the credential (a passport strategy failed, an unknown test credential, or an application check).',
  CREDENTIAL_NOT_FRESH: 'The route needs a fresh credential (straight from a login).',
  BACKEND_NOT_ALLOWED: 'The credential came through a backend the route does not accept.',
  USER_NOT_FOUND: 'The user model found no active user for the identity (unknown or disabled).',
  PERMISSION_MISSING: 'The user, narrowed by the credential scopes, lacks a required permission.',
  USER_MODEL_UNAVAILABLE: 'The user model threw while loading the user (503).',
  DEPENDENCY_UNAVAILABLE: 'A backend, a strategy or another dependency failed unexpectedly (503).',
  PASSPORT_STRATEGY_DECLINED:
    'A passport strategy passed or redirected, neither of which authenticates an API call.',
  JWT_MALFORMED: 'The token is not a well-formed compact JWS (or its carrier was empty).',
  JWT_ALG_NOT_ALLOWED: 'The alg header is not allowlisted, or is not the algorithm of its key.',
  JWT_TYP_MISMATCH: 'The typ header is not the one of the expected token type.',
  JWT_KID_UNKNOWN: 'The kid names no configured key, or is absent where several keys could apply.',
  JWT_CRIT_UNSUPPORTED: 'The token has a crit header, which is never supported.',
  JWT_SIGNATURE_INVALID: 'The signature does not verify with the selected key.',
  JWT_SIGNATURE_NOT_CANONICAL:
    'An ECDSA signature has a high S (above n/2): the malleable twin of a valid signature.',
  JWT_CLAIM_INVALID: 'A required claim is missing or malformed (the detail names it).',
  JWT_ISS_MISMATCH: 'The iss claim is not the configured issuer.',
  JWT_AUD_MISMATCH: 'The aud claim names none of the configured audiences.',
  JWT_LIFETIME_TOO_LONG:
    'The token lives longer (exp - iat) than its type may here: its lifetime plus the tolerance.',
  JWT_EXPIRED: 'The token (or its refresh family) expired, or is older than the maximum age.',
  JWT_NOT_YET_VALID: 'The token is not valid yet (nbf or iat in the future).',
  TOKEN_REVOKED: 'The token, its refresh family or every token of its user was revoked.',
  TOKEN_NOT_REVOCABLE:
    'The token has no jti (accepted with jwt.acceptTokensWithoutJti), so it cannot be revoked on its own, or it is a standalone token given as `except` of revokeAllForUser, which has no login to keep (403).',
  TOKEN_REFRESH_REUSED: 'A spent refresh token was presented again; its whole family is revoked.',
  TOKEN_REFRESH_IN_GRACE:
    'The refresh token just spent was presented again within the reuse grace window: refused, family kept.',
  REVOCATION_STORE_UNAVAILABLE: 'The revocation store could not answer (503).',
  REVOCATION_QUOTA_EXCEEDED:
    "The revocation store holds its quota for the user: a revocation became a cut-off of the user's tokens, a refresh got 503.",
  CSRF_TOKEN_INVALID: 'The CSRF token is missing or does not match (403).',
  CSRF_ORIGIN_REJECTED: 'Origin or Sec-Fetch-Site shows a cross-site request (403).',
  CSRF_LOGIN_CROSS_SITE:
    'A login came from a cross-site browser context (Origin or Sec-Fetch-Site); nothing was created (403).',
  SESSION_INVALID: 'The session cookie is unknown, tampered with, unsigned or already ended.',
  SESSION_EXPIRED: 'The session reached its idle or absolute timeout.',
  SESSION_MIDDLEWARE_MISSING: 'The session middleware is not installed: configureSessions(app).',
  SESSION_STORE_UNAVAILABLE: 'The session store failed (503).',
  API_KEY_MALFORMED: 'The API key or its header is malformed, doubled, oversized or foreign.',
  API_KEY_UNKNOWN: 'No stored API key has the id the key names.',
  API_KEY_SECRET_MISMATCH: 'The API key secret does not match the stored digest (tampered).',
  API_KEY_REVOKED: 'The API key was revoked.',
  API_KEY_EXPIRED: 'The API key expired.',
  API_KEY_STORE_UNAVAILABLE: 'The API key store failed (503).',
  LOGIN_THROTTLED:
    'Too many failed logins for the account from clients like this one (without a device token, or with this one) (429).',
  LOGIN_THROTTLE_UNAVAILABLE: 'The login throttle store failed; the login is refused (503).',
  OIDC_ISS_MISMATCH:
    "The token's iss names none of the configured identity providers (or an introspection answer names another).",
  OIDC_KID_UNKNOWN:
    "The kid is not in the issuer's key set (fetched again at most once per cooldown), or is absent where several keys could apply.",
  OIDC_KEYS_UNAVAILABLE:
    "The issuer's discovery document or key set could not be fetched: never yet, or a kid never seen while the provider is unreachable (503).",
  OIDC_TOKEN_INACTIVE:
    'The provider answered the introspection of an opaque token with active: false.',
  OIDC_INTROSPECTION_UNAVAILABLE: 'The introspection endpoint could not answer (503).',
  CONTEXT_UNSUPPORTED:
    'The guard has no transport for the execution context type, or found no carrier in it (503).',
  CSRF_FORM_CONTENT_TYPE:
    'A GraphQL request came with a content type an HTML form can send (text/plain, form-urlencoded, multipart) (403).',
  GRAPHQL_MUTATION_OVER_GET: 'A GraphQL mutation came by GET, which never changes anything (403).',
} satisfies Record<AuthReasonCode, string>);

/** Whether `value` is one of the {@link AuthReasonCode}s. */
export function isAuthReasonCode(value: unknown): value is AuthReasonCode {
  return typeof value === 'string' && Object.hasOwn(AUTH_REASONS, value);
}

/** A refusal: the code and, where it helps, a detail (see {@link AuthFailure.detail}). */
export interface AuthRejection {
  readonly reason: AuthReasonCode;
  readonly detail?: string;
}

/** Attacker-supplied text in a detail is cut to this many characters. */
export const MAX_RECEIVED_LENGTH = 64;
/** A whole detail is cut to this many characters. */
export const MAX_DETAIL_LENGTH = 256;

// C0 and C1 controls, and the separators and bidi controls that can fake a new log line or
// reorder what a reader sees.
const UNSAFE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * A detail fit for a log line: control characters removed and at most
 * {@link MAX_DETAIL_LENGTH} characters. `undefined` stays `undefined`.
 */
export function sanitizeDetail(detail: string | undefined): string | undefined {
  if (detail === undefined) return undefined;
  return cut(String(detail).replace(UNSAFE, ''), MAX_DETAIL_LENGTH);
}

/**
 * How a value taken from the request appears in a detail: a string quoted, stripped of control
 * characters and cut to {@link MAX_RECEIVED_LENGTH}; an array as its quoted strings; anything
 * else by its kind. Never pass secret material (tokens, keys, cookies, passwords).
 */
export function received(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) {
    return cut(`[${value.map((item) => received(item)).join(', ')}]`, MAX_RECEIVED_LENGTH * 2);
  }
  if (value === undefined) return 'none';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** `expected <expected>, received <value>`, the detail of a header or claim mismatch. */
export function mismatch(expected: string, value: unknown): string {
  return `expected ${expected}, received ${received(value)}`;
}

/** `"a"` or `one of "a", "b"`: the expected side of {@link mismatch}, from configuration. */
export function oneOf(accepted: Iterable<string>): string {
  const values = [...accepted].map(quote);
  return values.length === 1 ? values[0]! : `one of ${values.join(', ')}`;
}

function quote(value: string): string {
  return `"${cut(value.replace(UNSAFE, ''), MAX_RECEIVED_LENGTH)}"`;
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  // Never leave half of a surrogate pair behind.
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

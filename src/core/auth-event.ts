import type { AuthReasonCode } from './auth-reason.js';

/** The kinds of {@link AuthEvent} the library emits. Applications may emit their own kinds too. */
export type AuthEventType =
  | 'authenticated'
  | 'authentication_failed'
  | 'permission_denied'
  | 'auth_unavailable'
  | 'login'
  | 'login_failed'
  | 'login_throttled'
  | 'logout'
  | 'token_issued'
  | 'token_refreshed'
  | 'token_refresh_failed'
  | 'token_reuse_detected'
  | 'token_revoked'
  | 'user_tokens_revoked'
  | 'api_key_created'
  | 'api_key_revoked'
  | 'session_created'
  | 'session_destroyed'
  | (string & {});

/**
 * One auth event, for audit logs. It carries the reason a request was refused, which the HTTP
 * response never does. It never carries a secret: no token, key, password or cookie value.
 */
export interface AuthEvent {
  readonly type: AuthEventType;
  /** When, in ms since the epoch (from the library's `Clock`). */
  readonly at: number;
  /** The backend involved, if any. */
  readonly backend?: string | null;
  /** The user's identity, when known. */
  readonly identity?: string;
  /** Why it failed, for failures: a stable code to switch on. */
  readonly reason?: AuthReasonCode;
  /**
   * What exactly, where it helps (for example `expected "JWT", received "at+jwt"`). Short and
   * free of control characters; for people reading the log, not for code to parse.
   */
  readonly detail?: string;
  /** An opaque id of the credential: a token's `jti`, an API key's id, a session's id hash. */
  readonly credentialId?: string;
  readonly method?: string;
  /** The request path, without its query string. */
  readonly path?: string;
  /** The transport, when it is not HTTP: `'graphql'`, `'ws'`, `'rpc'` or a custom one. */
  readonly transport?: string;
  /**
   * What was asked for on that transport: `mutation CreateReport` (the GraphQL operation),
   * `reports.create` (the WebSocket event), `sum` (the RPC pattern).
   */
  readonly operation?: string;
  readonly ip?: string;
  /** An underlying error, for `auth_unavailable`. */
  readonly error?: unknown;
}

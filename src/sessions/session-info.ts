/** What `SessionService.login` returns. */
export interface LoginResult {
  /**
   * The session's CSRF token. Hand it to the client (for example in the login response body);
   * it must come back in the CSRF header of every request but GET, HEAD, OPTIONS and TRACE.
   */
  readonly csrfToken: string;
  /** The new session's public handle (a hash of its id), as `listSessions` reports it. */
  readonly sessionId: string;
}

/** One active session of a user, as `SessionService.listSessions` reports it. */
export interface SessionInfo {
  /** An opaque handle (a hash of the session id); pass it to `revokeSession`. */
  readonly id: string;
  /** Login time, ms since the epoch. */
  readonly createdAt: number;
  /** Last authenticated request, ms since the epoch. */
  readonly lastUsedAt: number;
  /** The `User-Agent` at login, at most 256 characters. */
  readonly userAgent: string | null;
  /** The client address at login, as the framework reports it (see its trust-proxy setting). */
  readonly ip: string | null;
  /** Whether it is the session of the request passed to `listSessions`. */
  readonly current: boolean;
}

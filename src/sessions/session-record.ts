import { createHash } from 'node:crypto';

/** The field of the session object that holds the login. */
export const RECORD_KEY = 'gatehouse';

/** What a logged-in session holds, besides the middleware's own cookie data. */
export interface SessionRecord {
  readonly identity: string;
  /** Login time, ms since the epoch (from the `Clock`). */
  readonly createdAt: number;
  /** Last authenticated request, ms since the epoch. */
  readonly lastActivity: number;
  /** The per-session CSRF token. */
  readonly csrf: string;
  readonly userAgent?: string;
  readonly ip?: string;
}

/** The login record of a session object, or `null` when it holds none (or a damaged one). */
export function readRecord(session: unknown): SessionRecord | null {
  if (!session || typeof session !== 'object') return null;
  const value = (session as Record<string, unknown>)[RECORD_KEY];
  if (!value || typeof value !== 'object') return null;
  const r = value as Record<string, unknown>;
  if (
    typeof r.identity !== 'string' ||
    r.identity === '' ||
    typeof r.createdAt !== 'number' ||
    typeof r.lastActivity !== 'number' ||
    typeof r.csrf !== 'string' ||
    r.csrf === ''
  ) {
    return null;
  }
  return r as unknown as SessionRecord;
}

/**
 * The public name of a session: a hash of its id. Listings, revocation and audit events use it,
 * so the id itself (a bearer credential) never leaves the cookie.
 */
export function sessionHandle(sid: string): string {
  return createHash('sha256').update(sid).digest('base64url').slice(0, 22);
}

/** When a session ends by the timeouts, in ms since the epoch. */
export function sessionExpiry(
  record: SessionRecord,
  idleTimeoutMs: number,
  absoluteTimeoutMs: number,
): number {
  return Math.min(record.lastActivity + idleTimeoutMs, record.createdAt + absoluteTimeoutMs);
}

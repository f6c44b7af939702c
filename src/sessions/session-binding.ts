import { AuthUnavailableError } from '../core/auth-error.js';
import type { CookieTransport } from '../http/loopback.js';

/**
 * What `configureSessions` attaches to each request: the few session operations the library
 * needs, written once per adapter, so the backend and `SessionService` never ask which framework
 * they run on. Internal.
 */
export interface SessionBinding {
  /** The request's session object, or `null` when there is none (outside the cookie's path). */
  session(): Record<string, unknown> | null;
  /** The current session id. */
  id(): string | undefined;
  /** The current id's public handle (`sessionHandle`), when the binding already knows it. */
  handle?(): string | undefined;
  /** Replaces the session with a new, empty one under a new id; the old id is destroyed. */
  regenerate(): Promise<void>;
  /** Writes the session to the store now. */
  save(): Promise<void>;
  /**
   * Drops the session from this request and the browser: the request continues with a new,
   * empty session (so a later `login` in the same request still works) and the response clears
   * the cookie.
   */
  end(): Promise<void>;
  /** Whether the request carried a session cookie. */
  readonly hadCookie: boolean;
  /**
   * How the request arrived, as the request was received (before the session middleware ran):
   * a Secure cookie set over `'plain'` HTTP is dropped by the browser.
   */
  readonly transport: CookieTransport;
}

/** Where the binding lives on the request. */
export const SESSION_BINDING = Symbol.for('nestjs-gatehouse:session-binding');

/**
 * The key of the stand-in session the middleware store hands over when the real store failed.
 * It is a plain string key because both middlewares copy stored fields with `for…in`.
 */
export const STORE_FAILURE_KEY = '__gatehouseStoreFailure';

/** The binding of `request`, or `undefined` when `configureSessions` was not applied. */
export function bindingOf(request: object): SessionBinding | undefined {
  return (request as { [SESSION_BINDING]?: SessionBinding })[SESSION_BINDING];
}

/**
 * The binding of `request`. Without one the middleware is missing, and every session request
 * would fail the same way: 503, never anonymous (`SessionSettings` also refuses to start so).
 */
export function requireBinding(request: object): SessionBinding {
  const binding = bindingOf(request);
  if (!binding) {
    throw new AuthUnavailableError('SESSION_MIDDLEWARE_MISSING');
  }
  return binding;
}

/**
 * The request's session, or `null` outside the cookie's path. A stand-in left by a store that
 * failed while loading it is a 503, never an empty (anonymous) session.
 */
export function usableSession(binding: SessionBinding): Record<string, unknown> | null {
  const session = binding.session();
  if (session) {
    const failure = storeFailureOf(session);
    if (failure !== undefined) {
      throw new AuthUnavailableError('SESSION_STORE_UNAVAILABLE', {
        detail: 'read',
        cause: new Error(String(failure)),
      });
    }
  }
  return session;
}

/** The store error behind a stand-in session, or `undefined` for a real session. */
export function storeFailureOf(session: object): unknown {
  const record = session as Record<string, unknown>;
  return STORE_FAILURE_KEY in record ? (record[STORE_FAILURE_KEY] ?? 'store failed') : undefined;
}

/** Whether the raw `Cookie` header carries a cookie named `name`. */
export function hasCookie(header: string | undefined, name: string): boolean {
  if (!header) return false;
  return header.split(';').some((part) => part.trimStart().startsWith(`${name}=`));
}

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { AuthRequest, AuthTransportType } from '../core/auth-request.js';
import { DECIDED, type DecidedView } from './request-views.js';

/** Close code of a connection whose credential is missing, invalid, revoked or expired. */
export const CLOSE_UNAUTHORIZED = 4401;
/** Close code of a connection whose credential lacks a permission, or came cross-site. */
export const CLOSE_FORBIDDEN = 4403;

/**
 * An open WebSocket or graphql-ws connection, as the library tracks it from the upgrade (or
 * `connection_init`) until it closes. Internal.
 */
export interface Connection {
  readonly transport: AuthTransportType;
  /**
   * The request every check of the connection reads: the upgrade's headers, with the
   * credentials of the `connection_init` payload, and without the cookie when it came from
   * another site.
   */
  readonly view: AuthRequest;
  /**
   * Whether a credential authenticated it when it opened. A 401 afterwards means the
   * credential is gone, and the connection is closed with {@link CLOSE_UNAUTHORIZED}.
   */
  authenticated: boolean;
  /** The identity it opened as, so a revocation event can find it. */
  identity: string | undefined;
  /** Ends the connection (idempotent). */
  close(code: number, reason: string): void;
  /** Sends `{status, message}` in the transport's error form before a close (gateways). */
  notify?(status: number, message: string): void;
  /** A close the transport asked for while a reply was still on its way; see {@link closeLater}. */
  pendingClose?: { code: number; reason: string };
}

const connections = new WeakMap<object, Connection>();

/** Records `connection` under `key`: the socket, or the graphql-ws context of the connection. */
export function registerConnection(key: object, connection: Connection): void {
  connections.set(key, connection);
}

/** The connection recorded under `key`. */
export function connectionOf(key: unknown): Connection | undefined {
  return typeof key === 'object' && key !== null ? connections.get(key) : undefined;
}

/**
 * Closes `connection` once the reply in flight has been written: the graphql-ws hook that runs
 * after a refused operation's result (`onComplete`) calls {@link flushClose}; the timer is the
 * fallback for servers without such a hook (a frame already handed to the socket is still sent
 * before the close frame).
 */
export function closeLater(connection: Connection, code: number, reason: string): void {
  connection.pendingClose = { code, reason };
  setImmediate(() => flushClose(connection));
}

/** Performs a close {@link closeLater} asked for, if any. */
export function flushClose(connection: Connection): void {
  const pending = connection.pendingClose;
  if (pending === undefined) return;
  connection.pendingClose = undefined;
  connection.close(pending.code, pending.reason);
}

/** The longest credential value taken from a `connection_init` payload or an RPC envelope. */
export const MAX_CARRIED_VALUE = 8192;

// Headers describe the transport, not a credential: a payload or an envelope never sets them.
const TRANSPORT_HEADERS = new Set([
  'host',
  'origin',
  'referer',
  'cookie',
  'connection',
  'upgrade',
  'content-length',
  'content-type',
  'transfer-encoding',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
]);
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

/**
 * The credential headers an object carries (a `connection_init` payload, an RPC envelope): its
 * string entries whose lower-cased names are header names that describe no transport, at most
 * {@link MAX_CARRIED_VALUE} characters each. `{"Authorization": "Bearer …"}` becomes
 * `{ authorization: 'Bearer …' }`. Anything else is ignored.
 */
export function carriedHeaders(source: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return headers;
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    const name = key.toLowerCase();
    if (typeof value !== 'string' || value.length > MAX_CARRIED_VALUE) continue;
    if (!HEADER_NAME.test(name) || TRANSPORT_HEADERS.has(name) || isFetchOnlyHeader(name)) continue;
    if (Object.hasOwn(headers, name)) {
      // `Authorization` and `authorization` both given: ambiguous, so neither counts.
      headers[name] = '';
      continue;
    }
    headers[name] = value;
  }
  return headers;
}

/**
 * The view of a WebSocket upgrade: its headers (with `credentials` from a `connection_init`
 * payload on top), `GET`, its url and the peer address. Without `keepCookie` the cookie is
 * left out: a cookie sent by a page of another site must not authenticate anything.
 */
export function upgradeView(
  request: Pick<IncomingMessage, 'headers' | 'url' | 'socket'>,
  transport: AuthTransportType,
  credentials: Record<string, string>,
  keepCookie: boolean,
): AuthRequest {
  const headers: IncomingHttpHeaders = { ...request.headers, ...credentials };
  if (!keepCookie) delete headers.cookie;
  return {
    headers,
    method: 'GET',
    url: request.url ?? '/',
    ip: request.socket?.remoteAddress,
    transport,
  };
}

/**
 * A view of one call on a connection (a message, an operation, a periodic check): the
 * connection's request, with its own `operation` and its own `user`. Built field by field: one
 * object shape for every call, and no descriptor map (`Object.create(base, {…})` costs about two
 * microseconds per call).
 */
export function callView(base: AuthRequest, operation: string): DecidedView {
  return {
    headers: base.headers,
    method: base.method,
    url: base.url,
    ip: base.ip,
    transport: base.transport,
    operation,
    user: undefined,
    auth: undefined,
    authInfo: undefined,
    [DECIDED]: undefined,
  };
}

function isFetchOnlyHeader(name: string): boolean {
  return name.startsWith('sec-') || name.startsWith('proxy-');
}

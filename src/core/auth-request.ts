import type { IncomingHttpHeaders } from 'node:http';
import type { AuthSuccess } from './auth-result.js';
import type { BaseUser } from './base-user.js';

/**
 * What the guard attaches to the request after it authenticated it.
 * `request.authInfo` holds this for the rest of the request.
 */
export interface AuthInfo extends AuthSuccess {
  /** The effective permissions: the user's own and their roles', narrowed by the credential's scopes. */
  readonly permissions: ReadonlySet<string>;
}

/** The transports besides HTTP that the guard knows; custom ones name themselves. */
export type AuthTransportType = 'graphql' | 'ws' | 'rpc' | (string & {});

/**
 * The part of an Express or Fastify request the library reads and writes. Both adapters' request
 * objects fit it, and so do the views the guard builds for the other transports: a GraphQL
 * operation, a WebSocket message or an RPC message is presented to the backends as the request
 * that carries its credential (the upgrade, the `connection_init` payload, the RPC envelope).
 */
export interface AuthRequest {
  readonly headers: IncomingHttpHeaders;
  readonly method: string;
  readonly url: string;
  readonly ip?: string;
  /**
   * The transport of a view built for a context other than HTTP (`'graphql'`, `'ws'`, `'rpc'`);
   * absent on the HTTP request itself.
   */
  readonly transport?: AuthTransportType;
  /**
   * What the caller asked for on that transport, for events: `mutation CreateReport`, the
   * WebSocket event, the RPC pattern.
   */
  readonly operation?: string;
  body?: unknown;
  query?: unknown;
  cookies?: Record<string, string | undefined>;
  /** Set by the guard: the authenticated user, or `UnauthenticatedUser.instance`. */
  user?: BaseUser;
  /** Set by the guard: the name of the backend that succeeded, or `null` when anonymous. */
  auth?: string | null;
  /** Set by the guard: the details of the successful authentication. */
  authInfo?: AuthInfo;
}

/**
 * Where a view built for another transport keeps the HTTP request it stands for (a GraphQL
 * operation sent over HTTP), so that what middleware attached to that request (the session) is
 * found through the view. Internal.
 */
export const VIEWED_REQUEST = Symbol('gatehouse:viewed-request');

/** The HTTP request `request` is a view of, or `undefined` for a request of its own. */
export function viewedRequest(request: AuthRequest): AuthRequest | undefined {
  return (request as { [VIEWED_REQUEST]?: AuthRequest })[VIEWED_REQUEST];
}

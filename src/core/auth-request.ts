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

/**
 * The part of an Express or Fastify request the library reads and writes. Both adapters' request
 * objects fit it.
 */
export interface AuthRequest {
  readonly headers: IncomingHttpHeaders;
  readonly method: string;
  readonly url: string;
  readonly ip?: string;
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

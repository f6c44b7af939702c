import type { ExecutionContext } from '@nestjs/common';
import type { AuthError } from '../core/auth-error.js';
import type { AuthRejection } from '../core/auth-reason.js';
import type { AuthRequest } from '../core/auth-request.js';

/**
 * How the guard reaches the credential of one kind of execution context, and how it refuses a
 * call there. The library brings one for each context type Nest has: `http`, `graphql`, `ws`
 * and `rpc`. A context of any other type is refused (503, reason `CONTEXT_UNSUPPORTED`) until
 * a transport for it is listed in `AuthModule.forRoot({ transports })`.
 *
 * `request` returns the view the backends read: headers (with the cookie, when the transport
 * has one), method, url and ip. The guard keeps it per call, so `@CurrentUser()` in the
 * handler sees the user the guard attached to it.
 *
 * @example
 * import type { ExecutionContext } from '@nestjs/common';
 *
 * // A scheduler that runs jobs through ExternalContextCreator with the context type 'job':
 * // each job carries the headers of whoever queued it.
 * @Injectable()
 * export class JobTransport extends AuthTransport {
 *   readonly type = 'job';
 *   request(context: ExecutionContext): AuthRequest {
 *     const job = context.getArgByIndex<{ name: string; headers: Record<string, string> }>(0);
 *     return { headers: job.headers, method: 'JOB', url: job.name, transport: 'job', operation: job.name };
 *   }
 * }
 *
 * AuthModule.forRoot({ backends: [JwtBackend], userModel: Users, transports: [JobTransport] });
 */
export abstract class AuthTransport {
  /** The context type it serves, as `ExecutionContext.getType()` names it. */
  abstract readonly type: string;

  /** The request view of `context`, built from the carrier its transport really has. */
  abstract request(context: ExecutionContext): AuthRequest;

  /**
   * What to throw for a refusal on this transport. `error` is the library's 401, 403 or 503
   * (`AuthError`) with a generic message; the transport turns it into its own terms.
   * Default: the error itself.
   */
  refuse(_context: ExecutionContext, error: AuthError): unknown {
    return error;
  }

  /**
   * Why `request` must be refused before any credential is looked at, whatever the handler's
   * policy (a GraphQL mutation sent by GET, for example), or `null`. Default: `null`.
   */
  reject(_request: AuthRequest): AuthRejection | null {
    return null;
  }
}

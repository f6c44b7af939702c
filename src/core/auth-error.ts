import { HttpException, HttpStatus } from '@nestjs/common';

/** Stable machine-readable codes of {@link AuthError}. Switch on these, never on messages. */
export type AuthErrorCode =
  'AUTHENTICATION_FAILED' | 'PERMISSION_DENIED' | 'AUTH_UNAVAILABLE' | 'AUTH_CONFIGURATION';

/**
 * The base of every error the library throws.
 *
 * It is an `HttpException` whose response body is always generic (`{ statusCode, message }`),
 * so Nest's default exception handler answers safely. The specific reason is kept in
 * {@link AuthError.reason} and {@link AuthError.cause}, for logs and auth events only.
 * Replace the responses with an ordinary exception filter, for example
 * `@Catch(AuthenticationFailedError)`.
 */
export abstract class AuthError extends HttpException {
  /** Stable code for programmatic handling. */
  abstract readonly code: AuthErrorCode;
  /** Why it failed, for logs and audit events. Never sent to the client. */
  readonly reason: string;

  protected constructor(status: number, reason: string, options?: { cause?: unknown }) {
    super(
      { statusCode: status, message: genericMessage(status) },
      status,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.reason = reason;
    // The message of an HttpException becomes part of some loggers' output; keep it generic too.
    this.message = genericMessage(status);
  }
}

/** 401: nobody (valid) is logged in. Answered with a `WWW-Authenticate` header. */
export class AuthenticationFailedError extends AuthError {
  readonly code = 'AUTHENTICATION_FAILED' as const;
  override readonly name = 'AuthenticationFailedError';

  constructor(reason = 'authentication failed', options?: { cause?: unknown }) {
    super(HttpStatus.UNAUTHORIZED, reason, options);
  }
}

/** 403: the caller is known but may not do this. */
export class PermissionDeniedError extends AuthError {
  readonly code = 'PERMISSION_DENIED' as const;
  override readonly name = 'PermissionDeniedError';

  constructor(reason = 'permission denied', options?: { cause?: unknown }) {
    super(HttpStatus.FORBIDDEN, reason, options);
  }
}

/**
 * 503: a dependency of authentication (user database, revocation store, session store) failed.
 * The request is refused, never let through and never downgraded to anonymous.
 */
export class AuthUnavailableError extends AuthError {
  readonly code = 'AUTH_UNAVAILABLE' as const;
  override readonly name = 'AuthUnavailableError';

  constructor(reason = 'authentication unavailable', options?: { cause?: unknown }) {
    super(HttpStatus.SERVICE_UNAVAILABLE, reason, options);
  }
}

/**
 * A configuration mistake found at bootstrap. Its message names the option and the fix,
 * because it is read by the developer, not by a client.
 */
export class AuthConfigurationError extends Error {
  readonly code = 'AUTH_CONFIGURATION' as const;
  override readonly name = 'AuthConfigurationError';

  constructor(
    /** The option path, for example `jwt.secret`. */
    readonly option: string,
    problem: string,
    fix: string,
  ) {
    super(`nestjs-gatehouse: invalid option "${option}": ${problem}. Fix: ${fix}`);
  }
}

function genericMessage(status: number): string {
  switch (status) {
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 503:
      return 'Service Unavailable';
    default:
      return 'Error';
  }
}

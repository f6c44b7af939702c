import { HttpException, HttpStatus } from '@nestjs/common';
import { sanitizeDetail, type AuthReasonCode } from './auth-reason.js';

/** Stable machine-readable codes of {@link AuthError}. Switch on these, never on messages. */
export type AuthErrorCode =
  | 'AUTHENTICATION_FAILED'
  | 'PERMISSION_DENIED'
  | 'LOGIN_THROTTLED'
  | 'AUTH_UNAVAILABLE'
  | 'AUTH_CONFIGURATION';

/** What an {@link AuthError} takes besides its reason. */
export interface AuthErrorOptions {
  /** What exactly went wrong, for logs and events, as `AuthFailure.detail`. No secrets. */
  detail?: string;
  /** The underlying error, for logs and `auth_unavailable` events. */
  cause?: unknown;
}

/**
 * The base of every error the library throws.
 *
 * It is an `HttpException` whose response body is always generic (`{ statusCode, message }`),
 * so Nest's default exception handler answers safely. The specific reason is kept in
 * {@link AuthError.reason}, {@link AuthError.detail} and {@link AuthError.cause}, for logs and
 * auth events only.
 * Replace the responses with an ordinary exception filter, for example
 * `@Catch(AuthenticationFailedError)`.
 */
export abstract class AuthError extends HttpException {
  /** Stable code for programmatic handling. */
  abstract readonly code: AuthErrorCode;
  /** Why it failed, as a stable code, for logs and audit events. Never sent to the client. */
  readonly reason: AuthReasonCode;
  /** What exactly, where it helps. Never sent to the client. */
  readonly detail?: string;

  protected constructor(status: number, reason: AuthReasonCode, options?: AuthErrorOptions) {
    super(
      { statusCode: status, message: genericMessage(status) },
      status,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.reason = reason;
    this.detail = sanitizeDetail(options?.detail);
    // The message of an HttpException becomes part of some loggers' output; keep it generic too.
    this.message = genericMessage(status);
  }
}

/** 401: nobody (valid) is logged in. Answered with a `WWW-Authenticate` header. */
export class AuthenticationFailedError extends AuthError {
  readonly code = 'AUTHENTICATION_FAILED' as const;
  override readonly name = 'AuthenticationFailedError';

  /** @param reason Default: `'CREDENTIAL_INVALID'`. */
  constructor(reason: AuthReasonCode = 'CREDENTIAL_INVALID', options?: AuthErrorOptions) {
    super(HttpStatus.UNAUTHORIZED, reason, options);
  }
}

/** 403: the caller is known but may not do this. */
export class PermissionDeniedError extends AuthError {
  readonly code = 'PERMISSION_DENIED' as const;
  override readonly name = 'PermissionDeniedError';

  /** @param reason Default: `'PERMISSION_MISSING'`. */
  constructor(reason: AuthReasonCode = 'PERMISSION_MISSING', options?: AuthErrorOptions) {
    super(HttpStatus.FORBIDDEN, reason, options);
  }
}

/**
 * 429: too many failed logins for the account from this client (see `LoginThrottle`). The body
 * is generic; the wait is in {@link LoginThrottledError.retryAfterSeconds}, and `LoginThrottle`
 * sets it as the `Retry-After` header on the response it was given.
 */
export class LoginThrottledError extends AuthError {
  readonly code = 'LOGIN_THROTTLED' as const;
  override readonly name = 'LoginThrottledError';

  constructor(
    /** Seconds until the client may try again: the `Retry-After` value. */
    readonly retryAfterSeconds: number,
    options?: AuthErrorOptions,
  ) {
    super(HttpStatus.TOO_MANY_REQUESTS, 'LOGIN_THROTTLED', options);
  }
}

/**
 * 503: a dependency of authentication (user database, revocation store, session store) failed.
 * The request is refused, never let through and never downgraded to anonymous.
 */
export class AuthUnavailableError extends AuthError {
  readonly code = 'AUTH_UNAVAILABLE' as const;
  override readonly name = 'AuthUnavailableError';

  /** @param reason Default: `'DEPENDENCY_UNAVAILABLE'`. */
  constructor(reason: AuthReasonCode = 'DEPENDENCY_UNAVAILABLE', options?: AuthErrorOptions) {
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
    case 429:
      return 'Too Many Requests';
    case 503:
      return 'Service Unavailable';
    default:
      return 'Error';
  }
}

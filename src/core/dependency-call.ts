import { AuthError, AuthUnavailableError } from './auth-error.js';
import type { AuthReasonCode } from './auth-reason.js';

/**
 * The one rule for a dependency of authentication (a revocation, session or API-key store, the
 * user model, a backend's own service) that fails: the request is refused with 503, never let
 * through and never turned anonymous. An `AuthError` the dependency threw on purpose (a 401, a
 * 403, or a 503 with its own reason) passes as it is; anything else becomes an
 * {@link AuthUnavailableError} with `reason` and `detail`, keeping the original as its `cause`
 * for the logs.
 *
 * Hot paths (the guard, the API-key and token checks) call this inside their own `catch`, so a
 * request pays for no extra promise; other paths use {@link dependencyCall}.
 */
export function unavailable(error: unknown, reason: AuthReasonCode, detail?: string): AuthError {
  if (error instanceof AuthError) return error;
  return new AuthUnavailableError(reason, { detail, cause: error });
}

/**
 * Awaits `operation`; a failure becomes what {@link unavailable} makes of it. Given a function,
 * it also catches a store method that throws instead of rejecting.
 */
export async function dependencyCall<T>(
  reason: AuthReasonCode,
  operation: Promise<T> | (() => Promise<T>),
  detail?: string,
): Promise<T> {
  try {
    return await (typeof operation === 'function' ? operation() : operation);
  } catch (error) {
    throw unavailable(error, reason, detail);
  }
}

/**
 * Bounds `operation` to `timeoutMs`: past it the promise rejects, so the request gets 503 instead
 * of hanging. `undefined` adds no timer, for clients that bound their commands themselves (an
 * ioredis client with `commandTimeout`). The timer is unref'd, so a pending call never keeps the
 * process alive, and cleared as soon as the operation settles.
 */
export function withTimeout<T>(
  operation: Promise<T>,
  timeoutMs: number | undefined,
  what: string,
): Promise<T> {
  if (timeoutMs === undefined) return operation;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
  });
  return Promise.race([operation, timeout]).finally(() => clearTimeout(timer));
}

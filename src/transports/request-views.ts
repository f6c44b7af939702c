import type { ExecutionContext } from '@nestjs/common';
import type { AuthInfo, AuthRequest } from '../core/auth-request.js';

/**
 * Where the guard keeps what a view was authenticated as, so every field of one GraphQL
 * operation (and both guards of a doubly guarded message) share one decision. Views declare it
 * from the start, so the guard's store never changes their shape. Internal.
 */
export const DECIDED = Symbol('gatehouse:decided');

/** A view with the guard's decision. */
export type DecidedView = AuthRequest & { [DECIDED]?: AuthInfo };

/**
 * The request view the guard built for a call, found again by `@CurrentUser()` and
 * `@CurrentAuth()`, which have no injector. Internal.
 *
 * Nest hands the guard and the parameter decorators different argument arrays with the same
 * elements, so a view is kept under an element that stands for one call: the HTTP request
 * (which is its own view), the GraphQL context of the operation, the socket of a WebSocket
 * connection (its latest message), the context object of an RPC message, and for other
 * context types the first object among the arguments.
 */
const VIEW = Symbol('gatehouse:view');

/** An argument of a call that carries the call's view. */
type Carrier = { [VIEW]?: AuthRequest };

/** The object a view of `context` is kept under, or `undefined` when it has none. */
export function callKey(context: ExecutionContext): object | undefined {
  switch (context.getType<string>()) {
    case 'http':
      return httpRequestOf(context);
    case 'graphql':
      return objectOr(context.getArgByIndex(2));
    case 'ws':
      return objectOr(context.getArgByIndex(0));
    case 'rpc':
      return objectOr(context.getArgByIndex(1)) ?? objectOr(context.getArgByIndex(0));
    default:
      return context.getArgs().find((arg): arg is object => objectOr(arg) !== undefined);
  }
}

/** Keeps `view` as the request of the call `context` belongs to. */
export function attachView(context: ExecutionContext, view: AuthRequest): void {
  const key = callKey(context);
  // A symbol-keyed field rather than a WeakMap: one entry per call would be an ephemeron for
  // the garbage collector to trace, which costs more than the field on these short-lived objects.
  if (key !== undefined && key !== view) (key as Carrier)[VIEW] = view;
}

/** The request the guard authorised for `context`: the HTTP request, or the view it built. */
export function attachedView(context: ExecutionContext): AuthRequest | undefined {
  if (context.getType() === 'http') return httpRequestOf(context);
  const key = callKey(context);
  return key === undefined ? undefined : (key as Carrier)[VIEW];
}

/**
 * The request of an `http` context: its first argument, which is what `switchToHttp().getRequest()`
 * answers on every adapter. Read directly because Nest's `switchToHttp()` assigns three new
 * closures onto the context on every call (about a tenth of a cached JWT check in-process).
 */
export function httpRequestOf(context: ExecutionContext): AuthRequest {
  return context.getArgByIndex<AuthRequest>(0);
}

function objectOr(value: unknown): object | undefined {
  return (typeof value === 'object' && value !== null) || typeof value === 'function'
    ? (value as object)
    : undefined;
}

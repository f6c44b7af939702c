import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { AuthInfo, AuthRequest } from '../core/auth-request.js';
import type { AuthBackend } from '../core/auth-backend.js';
import type { AuthFailure, AuthResult, AuthSuccess } from '../core/auth-result.js';
import { Clock } from '../core/clock.js';
import { unavailable } from '../core/dependency-call.js';
import {
  AuthError,
  AuthenticationFailedError,
  AuthUnavailableError,
  PermissionDeniedError,
} from '../core/auth-error.js';
import type { AuthEventType } from '../core/auth-event.js';
import { AuthEventPublisher } from '../core/auth-event-publisher.js';
import type { AuthReasonCode, AuthRejection } from '../core/auth-reason.js';
import { pathOf, setResponseHeader } from '../http/headers.js';
import { PermissionChecker } from '../permissions/permission-checker.js';
import type { BaseUser } from '../core/base-user.js';
import { UnauthenticatedUser } from '../core/unauthenticated-user.js';
import { UserModel } from '../users/user-model.js';
import { AuthTransports } from '../transports/auth-transports.js';
import type { AuthTransport } from '../transports/auth-transport.js';
import {
  attachView,
  DECIDED,
  httpRequestOf,
  type DecidedView,
} from '../transports/request-views.js';
import { RoutePolicies, type RoutePolicy } from './route-policy.js';

/**
 * The one guard: authentication, the backend restriction, freshness and permissions, in that
 * order, so a permission check can never run before `request.user` is set.
 *
 * It serves every execution context type Nest has: `http` (controllers), `graphql` (queries,
 * mutations, subscriptions, field resolvers), `ws` (gateway messages) and `rpc` (message and
 * event patterns), each through the credential carrier its transport has, and refuses in each
 * transport's own terms. A context of any other type is refused (503) unless an
 * `AuthTransport` for it is configured.
 *
 * `AuthModule` registers it as `APP_GUARD` with `useExisting`, so tests can replace it with
 * `overrideProvider(AuthGuard)`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    protected readonly policies: RoutePolicies,
    protected readonly users: UserModel,
    protected readonly permissions: PermissionChecker,
    protected readonly events: AuthEventPublisher,
    protected readonly clock: Clock,
    protected readonly transports: AuthTransports,
  ) {}

  // A subclass that overrides `authorize` (a tenant check after `super.authorize`, say) must see
  // every call: the guard then goes through it rather than straight to the decision.
  private readonly ownAuthorize = this.authorize !== AuthGuard.prototype.authorize;

  canActivate(context: ExecutionContext): Promise<boolean> {
    const type = context.getType();
    if (type === 'http') {
      const policy = this.policies.resolve(context.getClass(), context.getHandler());
      const request = this.getRequest(context);
      return this.ownAuthorize
        ? this.authorize(request, policy, context, true)
        : this.settle(request, policy, context, true);
    }
    return this.activate(context, type);
  }

  /**
   * Authenticates and authorises `request` under `policy`: resolves with `true`, or rejects
   * with the library's 401, 403 or 503 (`AuthError`), after publishing the decision's event.
   * Every call the guard has not decided yet gets this decision: through this method when a
   * subclass overrides it (so the override sees every call), else through the same code without
   * its promise. The connection code runs it for WebSocket upgrades, graphql-ws
   * `connection_init` messages and the periodic checks of open connections, which have no
   * execution context (and announce no success: one `authenticated` event per connection is
   * enough).
   */
  authorize(
    request: AuthRequest,
    policy: RoutePolicy,
    context?: ExecutionContext,
    announce = true,
  ): Promise<true> {
    return this.settle(request, policy, context, announce);
  }

  /** {@link decideNow} as a promise: a decision made at once is answered with a settled one. */
  private settle(
    request: AuthRequest,
    policy: RoutePolicy,
    context: ExecutionContext | undefined,
    announce: boolean,
  ): Promise<true> {
    try {
      const outcome = this.decideNow(request, policy, context, announce);
      return outcome === true ? PASSED : outcome;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The decision, synchronous as far as the backends and the user model allow: `true`, a throw,
   * or (only where a step answered with a promise) a promise of either. Each promise and each
   * `await` costs an allocation and a microtask on every request, so none is made for a step that
   * answered at once (a cached JWT, an in-memory user model).
   */
  private decideNow(
    request: AuthRequest,
    policy: RoutePolicy,
    context: ExecutionContext | undefined,
    announce: boolean,
    start = 0,
    failure?: AuthFailure,
  ): true | Promise<true> {
    const backends = policy.backends;
    for (let index = start; index < backends.length; index++) {
      const backend = backends[index]!;
      let answer: AuthResult | PromiseLike<AuthResult>;
      let pending: boolean;
      try {
        answer = backend.authenticate(request);
        // Inside the try: a `then` getter that throws is the backend failing, a 503.
        pending = isThenable(answer);
      } catch (error) {
        throw this.backendFailure(backend, request, error);
      }
      if (pending) {
        return this.awaitBackend(
          answer as PromiseLike<AuthResult>,
          index,
          request,
          policy,
          context,
          announce,
          failure,
        );
      }
      answer = answer as AuthResult;
      if (answer.success) return this.loadUser(request, policy, context, announce, answer);
      failure = telling(failure, answer);
    }
    return this.unauthenticated(request, policy, context, failure);
  }

  /** {@link decideNow} past a backend that answered with a promise. */
  private async awaitBackend(
    answer: PromiseLike<AuthResult>,
    index: number,
    request: AuthRequest,
    policy: RoutePolicy,
    context: ExecutionContext | undefined,
    announce: boolean,
    failure: AuthFailure | undefined,
  ): Promise<true> {
    let result: AuthResult;
    try {
      result = await answer;
    } catch (error) {
      throw this.backendFailure(policy.backends[index]!, request, error);
    }
    const outcome = result.success
      ? this.loadUser(request, policy, context, announce, result)
      : this.decideNow(request, policy, context, announce, index + 1, telling(failure, result));
    return outcome === true ? outcome : await outcome;
  }

  /** No backend succeeded: a 403 for a forbidden credential, else anonymous (or a 401). */
  private unauthenticated(
    request: AuthRequest,
    policy: RoutePolicy,
    context: ExecutionContext | undefined,
    failure: AuthFailure | undefined,
  ): true {
    if (failure?.forbidden && !policy.public) {
      // The only event of the refusal: backends report a forbidden credential, never emit.
      this.emit(
        'permission_denied',
        request,
        failure.backend,
        failure.identity,
        failure,
        failure.credentialId,
      );
      throw new PermissionDeniedError(failure.reason, { detail: failure.detail });
    }
    return this.anonymous(context, request, policy, failure ?? NO_CREDENTIAL, failure?.backend);
  }

  /** The user of a successful result: the backend's, else the user model's. */
  private loadUser(
    request: AuthRequest,
    policy: RoutePolicy,
    context: ExecutionContext | undefined,
    announce: boolean,
    success: AuthSuccess,
  ): true | Promise<true> {
    let user: unknown = success.user;
    if (user === undefined || user === null) {
      let pending: boolean;
      try {
        user = this.users.loadUser(success.identity, { request, result: success });
        // Inside the try: a `then` getter that throws is the user model failing, a 503.
        pending = isThenable(user);
      } catch (error) {
        throw this.userModelFailure(request, success, error);
      }
      if (pending) {
        return this.awaitUser(
          user as PromiseLike<unknown>,
          request,
          policy,
          context,
          announce,
          success,
        );
      }
    }
    return this.admit(request, policy, context, announce, success, user);
  }

  /** {@link loadUser} for a user model that answered with a promise. */
  private async awaitUser(
    pending: PromiseLike<unknown>,
    request: AuthRequest,
    policy: RoutePolicy,
    context: ExecutionContext | undefined,
    announce: boolean,
    success: AuthSuccess,
  ): Promise<true> {
    let user: unknown;
    try {
      user = await pending;
    } catch (error) {
      throw this.userModelFailure(request, success, error);
    }
    return this.admit(request, policy, context, announce, success, user);
  }

  /** The request is `user`'s, if that is a real user; then the route's own checks. */
  private admit(
    request: AuthRequest,
    policy: RoutePolicy,
    context: ExecutionContext | undefined,
    announce: boolean,
    success: AuthSuccess,
    user: unknown,
  ): true {
    // Only a real, authenticated user passes. A user model that answers with the anonymous user
    // (a disabled account), with `undefined`, or with whatever a plain-object lookup finds under
    // "constructor" must not open a protected route.
    if (!isAuthenticatedUser(user)) {
      return this.anonymous(
        context,
        request,
        policy,
        USER_NOT_FOUND,
        success.backend,
        success.identity,
      );
    }

    const permissions = this.permissions.effectivePermissions(user, success.scopes);
    const info = authInfo(success, permissions);
    request.user = user;
    request.auth = success.backend;
    request.authInfo = info;
    if (request.transport !== undefined) (request as DecidedView)[DECIDED] = info;

    if (!policy.public) this.enforce(request, policy, info);
    if (announce) {
      this.emit(
        'authenticated',
        request,
        success.backend,
        success.identity,
        undefined,
        success.credentialId,
      );
    }
    return true;
  }

  /** How the guard reaches the request of an HTTP context. */
  protected getRequest(context: ExecutionContext): AuthRequest {
    return httpRequestOf(context);
  }

  /**
   * Called right before a 401 is thrown. The default sets the `WWW-Authenticate` challenge on
   * the HTTP response.
   */
  protected onUnauthenticated(context: ExecutionContext | undefined, policy: RoutePolicy): void {
    if (context?.getType() === 'http' && policy.challenge !== '') {
      setResponseHeader(context.switchToHttp().getResponse(), 'WWW-Authenticate', policy.challenge);
    }
  }

  /**
   * A context of another transport: its view, then the same decision, refused in its terms.
   * Not `async`: a view already decided for a backend of the policy (the next field of one
   * GraphQL operation, the second guard of a message) is answered with a settled promise,
   * without a decision's promise and microtasks.
   */
  private activate(context: ExecutionContext, type: string): Promise<boolean> {
    const transport = this.transports.get(type);
    if (transport === undefined) {
      return Promise.reject(this.unsupported(type, `no transport for the context type "${type}"`));
    }
    let request: AuthRequest;
    try {
      request = transport.request(context);
      // Where @CurrentUser() finds it, for every transport, the library's and custom ones.
      attachView(context, request);
    } catch (error) {
      if (!(error instanceof AuthUnavailableError)) return Promise.reject(error);
      return Promise.reject(transport.refuse(context, this.unsupported(type, error.detail, error)));
    }
    try {
      const rejection = transport.reject(request);
      if (rejection !== null) {
        this.emit('permission_denied', request, null, undefined, rejection);
        throw new PermissionDeniedError(rejection.reason, { detail: rejection.detail });
      }
      const policy = this.policies.resolve(context.getClass(), context.getHandler());
      const decided = decidedFor(request, policy);
      if (decided === undefined) {
        if (this.ownAuthorize) {
          return refusedIn(transport, context, this.authorize(request, policy, context, true));
        }
        const outcome = this.decideNow(request, policy, context, true);
        return outcome === true ? PASSED : refusedIn(transport, context, outcome);
      }
      if (!policy.public) this.enforce(request, policy, decided);
      return PASSED;
    } catch (error) {
      return Promise.reject(refusal(transport, context, error));
    }
  }

  /** The freshness and permission checks of an authenticated request. */
  private enforce(request: AuthRequest, policy: RoutePolicy, success: AuthInfo): void {
    if (policy.fresh && !this.isFresh(success, policy)) {
      this.deny(request, success, 'CREDENTIAL_NOT_FRESH');
    }
    if (
      policy.requirements.length > 0 &&
      !this.permissions.satisfies(success.permissions, policy.requirements)
    ) {
      this.deny(request, success, 'PERMISSION_MISSING');
    }
  }

  /** A context the guard cannot read: refused (503), with an event that says why. */
  private unsupported(type: string, detail?: string, cause?: unknown): AuthUnavailableError {
    const error = new AuthUnavailableError('CONTEXT_UNSUPPORTED', { detail, cause });
    this.events.publish({
      type: 'auth_unavailable',
      backend: null,
      reason: error.reason,
      detail: error.detail,
      transport: type,
      error,
    });
    return error;
  }

  /** What to throw when a backend threw `error`. */
  private backendFailure(backend: AuthBackend, request: AuthRequest, error: unknown): unknown {
    // A backend throws only when something it depends on failed, or on a bug. Either way the
    // request must not go through, and must not silently become anonymous.
    const refusal = unavailable(error, 'DEPENDENCY_UNAVAILABLE', 'the backend threw');
    if (refusal instanceof AuthUnavailableError)
      this.emitUnavailable(request, backend.name, refusal);
    return refusal;
  }

  /** What to throw when the user model threw `error`. */
  private userModelFailure(
    request: AuthRequest,
    result: AuthSuccess,
    error: unknown,
  ): AuthUnavailableError {
    const unavailable = new AuthUnavailableError('USER_MODEL_UNAVAILABLE', { cause: error });
    this.emitUnavailable(request, result.backend, unavailable, result.identity);
    return unavailable;
  }

  private anonymous(
    context: ExecutionContext | undefined,
    request: AuthRequest,
    policy: RoutePolicy,
    why: AuthRejection,
    backend?: string,
    identity?: string,
  ): true {
    request.user = UnauthenticatedUser.instance;
    request.auth = null;
    request.authInfo = undefined;
    if (policy.public) return true;
    this.emit('authentication_failed', request, backend ?? null, identity, why);
    this.onUnauthenticated(context, policy);
    throw new AuthenticationFailedError(why.reason, { detail: why.detail });
  }

  private deny(request: AuthRequest, success: AuthSuccess, reason: AuthReasonCode): never {
    this.emit(
      'permission_denied',
      request,
      success.backend,
      success.identity,
      { reason },
      success.credentialId,
    );
    throw new PermissionDeniedError(reason);
  }

  private isFresh(result: AuthSuccess, policy: RoutePolicy): boolean {
    if (result.fresh !== true) return false;
    if (policy.freshWithinMs === undefined) return true;
    return (
      result.issuedAt !== undefined && this.clock.now() - result.issuedAt <= policy.freshWithinMs
    );
  }

  private emit(
    type: AuthEventType,
    request: AuthRequest,
    backend: string | null,
    identity: string | undefined,
    why?: AuthRejection,
    credentialId?: string,
  ): void {
    // With the default sink, nobody reads a success: it is not even built.
    if (!this.events.wants(type)) return;
    this.events.publish({
      type,
      backend,
      identity,
      reason: why?.reason,
      detail: why?.detail,
      credentialId,
      method: request.method,
      path: pathOf(request.url),
      transport: request.transport,
      operation: request.operation,
      ip: request.ip,
    });
  }

  private emitUnavailable(
    request: AuthRequest,
    backend: string,
    error: AuthUnavailableError,
    identity?: string,
  ): void {
    this.events.publish({
      type: 'auth_unavailable',
      backend,
      identity,
      reason: error.reason,
      detail: error.detail,
      method: request.method,
      path: pathOf(request.url),
      transport: request.transport,
      operation: request.operation,
      ip: request.ip,
      error: error.cause ?? error,
    });
  }
}

/** What the guard answers a call it let through without waiting: settled once, shared. */
const PASSED: Promise<true> = Promise.resolve(true);

/** `pending`, with a refusal it rejects with put in `transport`'s terms. */
async function refusedIn(
  transport: AuthTransport,
  context: ExecutionContext,
  pending: Promise<true>,
): Promise<boolean> {
  try {
    return await pending;
  } catch (error) {
    throw refusal(transport, context, error);
  }
}

/**
 * What `request` (a view of another transport) was authenticated as, when that decision holds
 * for `policy`: it came from one of the policy's backends. Every field of one GraphQL operation
 * (and both guards of a doubly guarded message) share one decision.
 */
function decidedFor(request: AuthRequest, policy: RoutePolicy): AuthInfo | undefined {
  const decided = (request as DecidedView)[DECIDED];
  if (decided === undefined) return undefined;
  for (const backend of policy.backends) if (backend.name === decided.backend) return decided;
  return undefined;
}

/** What to throw for `error` on `transport`: the library's refusals in its terms, else as is. */
function refusal(transport: AuthTransport, context: ExecutionContext, error: unknown): unknown {
  return error instanceof AuthError ? transport.refuse(context, error) : error;
}

// Why a request is anonymous when no backend said more (none was tried), and when the user
// model found no one.
const NO_CREDENTIAL: AuthRejection = Object.freeze({ reason: 'CREDENTIAL_MISSING' });
const USER_NOT_FOUND: AuthRejection = Object.freeze({ reason: 'USER_NOT_FOUND' });

/**
 * The request's `AuthInfo`: the backend's result and the effective permissions. Spelled out
 * field by field rather than `{ ...success, permissions }`: with several backends the spread
 * site sees results of many shapes, and V8 then copies them on a slow path (about 0.5 µs per
 * request on Node 20, measured with `npm run bench:guard`); a literal has one fixed shape.
 */
function authInfo(success: AuthSuccess, permissions: ReadonlySet<string>): AuthInfo {
  return {
    success: true,
    backend: success.backend,
    identity: success.identity,
    claims: success.claims,
    scopes: success.scopes,
    fresh: success.fresh,
    issuedAt: success.issuedAt,
    credentialId: success.credentialId,
    issuer: success.issuer,
    roles: success.roles,
    user: success.user,
    permissions,
  };
}

function isAuthenticatedUser(user: unknown): user is BaseUser {
  return (
    typeof user === 'object' &&
    user !== null &&
    (user as BaseUser).isAuthenticated === true &&
    typeof (user as BaseUser).identity === 'string' &&
    (user as BaseUser).identity !== ''
  );
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** The more telling of two failures: forbidden over invalid over missing. */
function telling(kept: AuthFailure | undefined, failure: AuthFailure): AuthFailure {
  return kept === undefined || rank(failure) > rank(kept) ? failure : kept;
}

function rank(failure: AuthFailure): number {
  return failure.forbidden ? 2 : failure.missing ? 0 : 1;
}

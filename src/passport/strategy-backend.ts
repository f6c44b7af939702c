import { HttpException, Inject, Injectable, type Type } from '@nestjs/common';
import { AuthBackend, type AuthBackendType } from '../core/auth-backend.js';
import { AuthConfigurationError } from '../core/auth-error.js';
import type { AuthRequest } from '../core/auth-request.js';
import { AuthResults, type AuthResult } from '../core/auth-result.js';
import { BaseUser } from '../core/base-user.js';
import { Clock } from '../core/clock.js';
import { unavailable } from '../core/dependency-call.js';
import type { SecuritySchemes } from '../core/security-scheme.js';
import { PrivatePassport, type PassportAdapter } from './passport-adapter.js';
import { identityOf } from './identity-of.js';

/**
 * A class made with `@nestjs/passport`'s `PassportStrategy(Strategy, name)`: a passport strategy
 * with a `validate()` method, which registers itself through `getPassportInstance()` when built.
 * Described by its shape, so the library needs `@nestjs/passport` only in the application.
 */
export type PassportStrategyClass = Type<{
  validate(...args: never[]): unknown;
  authenticate(...args: never[]): unknown;
}>;

/** How a `PassportStrategy` class acts as a backend. Every field is optional. */
export interface StrategyBackendOptions {
  /**
   * The identity `UserModel.loadUser` receives, from what `validate()` returned. Default: a
   * string or number as it is, or an object's `identity`, `id`, `sub` or `userId`. A `BaseUser`
   * that `validate()` returns is the user itself: the user model is then not asked.
   */
  identity?: (user: unknown) => string | undefined;
  /**
   * Try the strategy only on the routes that name it (`@Auth('local')`), as an explicit backend.
   * Set it for a strategy that checks a password in the body: it belongs on the login route,
   * not on every route. Default: `false`.
   */
  explicit?: boolean;
  /**
   * Whether a success is a fresh credential (for `@Auth({ fresh: true })`): `true` for a strategy
   * that checks the password itself. Default: `false`.
   */
  fresh?: boolean;
  /** The `WWW-Authenticate` challenge of a 401, for example `'Bearer'`. Default: none. */
  challenge?: string;
  /**
   * How `nestjs-gatehouse/swagger` describes the strategy's credential.
   * Default: an `http` scheme of `challenge`, or nothing.
   */
  security?: SecuritySchemes;
}

// Which private Passport each strategy instance registered itself on.
const registrations = new WeakMap<object, PrivatePassport>();

/** Whether `value` is a class made with `@nestjs/passport`'s `PassportStrategy`. */
export function isPassportStrategyClass(value: unknown): value is PassportStrategyClass {
  if (typeof value !== 'function' || value.prototype instanceof AuthBackend) return false;
  const prototype = value.prototype as Record<string, unknown> | undefined;
  return (
    typeof prototype?.getPassportInstance === 'function' &&
    typeof prototype.authenticate === 'function' &&
    typeof prototype.validate === 'function'
  );
}

/**
 * Makes an existing `@nestjs/passport` strategy class a backend, unchanged: Nest builds it with
 * its dependencies as before, what its `validate()` returns names the user, and it registers on
 * a private passport instance, never on passport's global one. Listing the class itself in
 * `backends` is the same as `strategyBackend(TheClass)`; call this to pass options.
 *
 * The backend's name is the strategy's passport name (`'jwt'`, `'local'`, or the `name` given
 * to `PassportStrategy`), which `@Auth('…')` names. A refusal of the strategy (its `fail()`, or
 * an `UnauthorizedException` from `validate()`) is a 401, a `ForbiddenException` a 403, and any
 * other error a 503: a strategy that cannot reach its store never lets a request through.
 *
 * @example
 * import { PassportStrategy } from '@nestjs/passport';
 * import { ExtractJwt, Strategy } from 'passport-jwt';
 *
 * @Injectable()
 * export class JwtStrategy extends PassportStrategy(Strategy) {
 *   constructor() {
 *     super({
 *       jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
 *       secretOrKey: process.env.JWT_SECRET!,
 *     });
 *   }
 *   validate(payload: { sub: string }) {
 *     return { userId: payload.sub };
 *   }
 * }
 *
 * AuthModule.forRoot({
 *   backends: [strategyBackend(JwtStrategy, { challenge: 'Bearer' })],
 *   userModel: Users,
 * });
 */
export function strategyBackend(
  strategy: PassportStrategyClass,
  options: StrategyBackendOptions = {},
): AuthBackendType {
  if (!isPassportStrategyClass(strategy)) {
    throw new AuthConfigurationError(
      `strategyBackend(${describe(strategy)})`,
      "is not a class made with @nestjs/passport's PassportStrategy(Strategy, name)",
      'pass a class that extends PassportStrategy(Strategy) and has a validate() method',
    );
  }
  // Same class, same constructor and dependencies; only where it registers changes.
  const Private = class extends strategy {
    // PassportStrategy's constructor registers the instance on what this returns.
    getPassportInstance(): unknown {
      let registration = registrations.get(this);
      if (!registration) {
        registration = new PrivatePassport();
        registrations.set(this, registration);
      }
      return registration.instance;
    }
  };
  Object.defineProperty(Private, 'name', { value: strategy.name });

  class Backend extends StrategyBackend {
    static readonly providers = [{ provide: strategy, useClass: Private }];
    constructor(instance: object, clock: Clock) {
      super(instance, clock, options);
    }
  }
  Object.defineProperty(Backend, 'name', { value: `${strategy.name}Backend` });
  // What `@Injectable()` and `@Inject()` would write; the class is built here, not declared.
  Injectable()(Backend);
  Inject(strategy)(Backend, undefined, 0);
  Inject(Clock)(Backend, undefined, 1);
  return Backend;
}

/** The backend around one strategy instance. */
abstract class StrategyBackend extends AuthBackend {
  readonly name: string;
  override readonly explicit: boolean;
  private readonly adapter: PassportAdapter;

  protected constructor(
    strategy: object,
    private readonly clock: Clock,
    private readonly options: StrategyBackendOptions,
  ) {
    super();
    const registration = registrations.get(strategy);
    const name = registration?.name;
    if (!registration || name === undefined) {
      throw new AuthConfigurationError(
        `backends: ${strategy.constructor.name}`,
        'never registered with passport when it was built',
        'keep the call to super(options) in its constructor, as PassportStrategy classes have it',
      );
    }
    this.name = name;
    this.explicit = options.explicit === true;
    this.adapter = registration.adapter();
  }

  override get challenge(): string | undefined {
    return this.options.challenge;
  }

  override describeSecurity(): SecuritySchemes {
    return this.options.security ?? super.describeSecurity();
  }

  async authenticate(request: AuthRequest): Promise<AuthResult> {
    const outcome = await this.adapter.run(request);
    if (outcome.kind === 'success') return this.toResult(outcome.user);
    if (outcome.kind === 'fail') {
      return AuthResults.invalid(this.name, outcome.reason, outcome.detail);
    }
    // PassportStrategy hands what validate() threw to passport as an error; Nest's own refusals
    // among them are answers, not outages. Their message is the application's free text, so
    // only the status is kept.
    const error = outcome.error;
    if (error instanceof HttpException && error.getStatus() < 500) {
      const detail = `validate() threw ${error.getStatus()}`;
      return error.getStatus() === 403
        ? AuthResults.forbidden(this.name, 'CREDENTIAL_INVALID', detail)
        : AuthResults.invalid(this.name, 'CREDENTIAL_INVALID', detail);
    }
    throw unavailable(error, 'DEPENDENCY_UNAVAILABLE', 'the strategy reported an error');
  }

  private toResult(user: unknown): AuthResult {
    const fresh = this.options.fresh === true;
    const issuedAt = fresh ? this.clock.now() : undefined;
    if (user instanceof BaseUser) {
      return AuthResults.success(this.name, user.identity, { user, fresh, issuedAt });
    }
    const identity = this.options.identity ? this.options.identity(user) : identityOf(user);
    if (typeof identity !== 'string' || identity === '') {
      return AuthResults.invalid(this.name, 'CREDENTIAL_INVALID', 'validate() gave no identity');
    }
    const claims =
      typeof user === 'object' && user !== null ? { ...(user as Record<string, unknown>) } : {};
    return AuthResults.success(this.name, identity, { claims, fresh, issuedAt });
  }
}

function describe(value: unknown): string {
  return typeof value === 'function' && value.name ? value.name : typeof value;
}

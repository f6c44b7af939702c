import { Inject, Injectable, Optional, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthBackend } from '../core/auth-backend.js';
import { AuthResults } from '../core/auth-result.js';
import { AuthConfigurationError } from '../core/auth-error.js';
import { AUTH_BACKENDS, AUTH_TEST_BACKEND } from '../core/injection-tokens.js';
import { AUTH_MODULE_OPTIONS, OptionsReader } from '../core/options-reader.js';
import type { PermissionRequirement } from '../permissions/permission-requirement.js';
import type { AccessRule } from './access-rule.js';
import { ACCESS_METADATA, PERMISSIONS_METADATA } from './route-metadata.js';

/** Everything the guard needs to know about one route, resolved once. */
export interface RoutePolicy {
  readonly public: boolean;
  /** The backends to try, in order. */
  readonly backends: readonly AuthBackend[];
  /**
   * The configured backends the route accepts, in order: `backends` without the testing
   * backend. What documents (OpenAPI) list as the route's alternatives.
   */
  readonly candidates: readonly AuthBackend[];
  readonly fresh: boolean;
  /** Freshness window in ms, or `undefined` for none. */
  readonly freshWithinMs: number | undefined;
  /** Class requirements first, then the method's. */
  readonly requirements: readonly PermissionRequirement[];
  /** The `WWW-Authenticate` value of a 401 on this route. */
  readonly challenge: string;
}

/**
 * Resolves routes' metadata into {@link RoutePolicy} objects and caches them, so the guard reads
 * no metadata on the request path after a route's first request. `AuthRouteScanner` resolves
 * every route at bootstrap, so a policy naming an unknown backend fails the start, not a request.
 */
@Injectable()
export class RoutePolicies {
  private readonly cache = new WeakMap<object, WeakMap<object, RoutePolicy>>();
  private readonly byName: ReadonlyMap<string, AuthBackend>;
  private readonly backends: readonly AuthBackend[];
  private readonly realm: string;

  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_BACKENDS) backends: AuthBackend[],
    @Inject(AUTH_MODULE_OPTIONS) options: { realm?: string },
    @Optional() @Inject(AUTH_TEST_BACKEND) private readonly testBackend: AuthBackend | null = null,
  ) {
    this.realm = readRealm(options);
    this.backends = backends;
    this.byName = new Map(backends.map((b) => [b.name, b]));
  }

  /** The policy of `handler` on controller `controller`. */
  resolve(controller: Type<unknown>, handler: object): RoutePolicy {
    let perClass = this.cache.get(controller);
    if (!perClass) {
      perClass = new WeakMap();
      this.cache.set(controller, perClass);
    }
    let policy = perClass.get(handler);
    if (!policy) {
      policy = this.build(controller, handler);
      perClass.set(handler, policy);
    }
    return policy;
  }

  /**
   * The policy of the class `type` alone (its own `@Public`/`@Auth`/`@HasPermission`): what a
   * WebSocket gateway's upgrade is held to.
   */
  forClass(type: Type<unknown>): RoutePolicy {
    return this.resolve(type, type);
  }

  /**
   * The policy of a connection no handler describes yet (a graphql-ws `connection_init`): any
   * configured backend, no permission; anonymous callers pass only when `anonymous` is true.
   */
  connection(anonymous: boolean): RoutePolicy {
    const key = anonymous ? PublicConnection : ProtectedConnection;
    return this.resolve(key, key);
  }

  private build(controller: Type<unknown>, handler: object): RoutePolicy {
    const own = handler === controller;
    const where = own
      ? controller.name
      : `${controller.name}.${(handler as { name?: string }).name || 'handler'}`;
    const rule =
      controller === PublicConnection
        ? { public: true }
        : combine(
            this.reflector.get<AccessRule | undefined>(ACCESS_METADATA, controller),
            own
              ? undefined
              : this.reflector.get<AccessRule | undefined>(ACCESS_METADATA, handler as never),
          );
    const requirements = [
      ...(this.reflector.get<PermissionRequirement[] | undefined>(
        PERMISSIONS_METADATA,
        controller,
      ) ?? []),
      ...(own
        ? []
        : (this.reflector.get<PermissionRequirement[] | undefined>(
            PERMISSIONS_METADATA,
            handler as never,
          ) ?? [])),
    ];
    if (rule.public && requirements.length > 0) {
      throw new AuthConfigurationError(
        `@HasPermission on ${where}`,
        'the route is @Public(), so its permission requirements would never be checked',
        'remove @Public() from the route, or remove the permission requirement',
      );
    }
    // Explicit backends (a password check, say) serve only the routes whose @Auth names them.
    let backends: AuthBackend[] = this.backends.filter((backend) => !backend.explicit);
    if (rule.backends) {
      backends = rule.backends.map((name) => {
        const backend = this.byName.get(name);
        if (!backend) {
          throw new AuthConfigurationError(
            `@Auth on ${where}`,
            `names the backend "${name}", which is not configured (configured: ${[...this.byName.keys()].join(', ')})`,
            'use one of the configured backend names, or add the backend to AuthModule.forRoot({ backends })',
          );
        }
        return backend;
      });
    }
    if (backends.length === 0 && !rule.public) {
      throw new AuthConfigurationError(
        `route ${where}`,
        'no backend may authenticate it: every configured backend is explicit',
        "name one with @Auth('…') on the route or its controller, or configure a backend that is not explicit",
      );
    }
    const challenge = challengeFor(backends, this.realm);
    const candidates = Object.freeze(backends);
    if (this.testBackend) backends = [restrictTo(this.testBackend, rule.backends), ...backends];
    return Object.freeze({
      public: rule.public === true,
      backends: this.testBackend ? Object.freeze(backends) : candidates,
      candidates,
      fresh: rule.fresh === true,
      freshWithinMs:
        rule.freshWithinSeconds === undefined ? undefined : rule.freshWithinSeconds * 1000,
      requirements: Object.freeze(requirements),
      challenge,
    });
  }
}

/** The `realm` option (named in `WWW-Authenticate` challenges), checked at bootstrap. */
export function readRealm(options: { realm?: string }): string {
  return OptionsReader.root(options).string('realm', 'api', {
    pattern: /^[\x20-\x21\x23-\x7e]{1,128}$/,
    problem: 'must be 1-128 printable ASCII characters without quotes',
    fix: 'use a short name such as "api"',
  });
}

/**
 * The access rule of a route: the method's `@Public`/`@Auth` combined with its controller's.
 * A `@Public()` on either side wins when the other side has no `@Auth`; a method's rule decides
 * public or protected when both have one; the fields a method's `@Auth` names replace the
 * controller's and the others are inherited, so a method's `@Auth({ fresh: true })` inside an
 * `@Auth('session')` controller keeps the backend restriction.
 */
function combine(onClass: AccessRule | undefined, onMethod: AccessRule | undefined): AccessRule {
  if (onMethod === undefined) return onClass ?? {};
  if (onMethod.public || onClass === undefined || onClass.public) return onMethod;
  const rule: { -readonly [K in keyof AccessRule]: AccessRule[K] } = { ...onClass };
  if (onMethod.backends !== undefined) rule.backends = onMethod.backends;
  if (onMethod.fresh !== undefined) rule.fresh = onMethod.fresh;
  if (onMethod.freshWithinSeconds !== undefined) {
    rule.freshWithinSeconds = onMethod.freshWithinSeconds;
  } else if (onMethod.fresh === false) {
    // Lifting freshness lifts its window too; a window without freshness would contradict it.
    delete rule.freshWithinSeconds;
  }
  return rule;
}

/**
 * The `WWW-Authenticate` value of a route: one challenge per scheme its backends really accept.
 * No scheme is invented: a route served only by a custom-header API key has none.
 */
function challengeFor(backends: readonly AuthBackend[], realm: string): string {
  const schemes = new Set<string>();
  for (const backend of backends) {
    const scheme = backend.challenge;
    if (scheme) schemes.add(scheme);
  }
  return [...schemes].map((scheme) => `${scheme} realm="${realm}"`).join(', ');
}

/** Keeps the testing backend within the route's backend restriction, as real credentials are. */
function restrictTo(test: AuthBackend, allowed: readonly string[] | undefined): AuthBackend {
  if (!allowed) return test;
  const wrapper = Object.create(test) as AuthBackend;
  wrapper.authenticate = async (request) => {
    const result = await test.authenticate(request);
    return result.success && !allowed.includes(result.backend)
      ? AuthResults.invalid(test.name, 'BACKEND_NOT_ALLOWED', `came through ${result.backend}`)
      : result;
  };
  return wrapper;
}

/** The keys of the two {@link RoutePolicies.connection} policies. */
class ProtectedConnection {}
class PublicConnection {}

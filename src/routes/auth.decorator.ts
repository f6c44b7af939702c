import { accessRule } from './route-metadata.js';
import type { AccessRule } from './access-rule.js';

/** The object form of `@Auth()`. */
export interface AuthRouteOptions {
  /** Backend names allowed on the route. Default: any configured backend. */
  backends?: string | readonly string[];
  /** Require a fresh credential: one issued by a login, not by a refresh. Default: `false`. */
  fresh?: boolean;
  /**
   * With `fresh: true`, also require the credential to be at most this many seconds old
   * ("fresh for N minutes"). Default: no window.
   */
  freshWithinSeconds?: number;
}

/**
 * Requires authentication, optionally by named backends only. On a method inside a controller
 * with its own `@Auth`, the two combine: the fields the method names (`backends`, `fresh`,
 * `freshWithinSeconds`) replace the controller's, the others are inherited. A method's `@Auth`
 * makes a route of a `@Public()` controller protected, and a method's `@Public()` opens one route
 * of a protected controller.
 *
 * @example
 * @Controller('account')
 * @Auth()                                // any backend
 * export class AccountController {
 *   @Auth('jwt') @Get('tokens')          // JWT only
 *   tokens() {}
 *
 *   @Auth(['jwt', 'session']) @Get()     // either
 *   show() {}
 *
 *   @Auth({ backends: 'jwt', fresh: true, freshWithinSeconds: 300 }) @Post('password')
 *   changePassword() {}
 * }
 */
export function Auth(
  backends?: string | readonly string[] | AuthRouteOptions,
): MethodDecorator & ClassDecorator {
  return accessRule(Object.freeze(toRule(backends)), '@Auth()');
}

function toRule(input: string | readonly string[] | AuthRouteOptions | undefined): AccessRule {
  if (input === undefined) return {};
  if (typeof input === 'string' || Array.isArray(input)) return { backends: asList(input) };
  const options = input as AuthRouteOptions;
  const rule: { -readonly [K in keyof AccessRule]: AccessRule[K] } = {};
  if (options.backends !== undefined) rule.backends = asList(options.backends);
  // Kept when false too: a method's `fresh: false` lifts its class's freshness requirement.
  if (options.fresh !== undefined) rule.fresh = options.fresh === true;
  if (options.freshWithinSeconds !== undefined) {
    if (!(options.freshWithinSeconds > 0)) {
      throw new TypeError('@Auth({ freshWithinSeconds }) must be a positive number of seconds');
    }
    if (options.fresh === false) {
      throw new TypeError('@Auth({ fresh: false, freshWithinSeconds }) contradicts itself');
    }
    rule.fresh = true;
    rule.freshWithinSeconds = options.freshWithinSeconds;
  }
  return rule;
}

function asList(value: string | readonly string[]): readonly string[] {
  const list = typeof value === 'string' ? [value] : [...value];
  if (list.length === 0 || list.some((name) => typeof name !== 'string' || name === '')) {
    throw new TypeError('@Auth() backend names must be non-empty strings');
  }
  return Object.freeze(list);
}

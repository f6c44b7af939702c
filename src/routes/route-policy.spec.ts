import { Controller, Get } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import {
  Auth,
  AuthConfigurationError,
  AuthModule,
  HasAnyPermission,
  HasPermission,
  Public,
  SimpleUser,
  type AuthRequest,
} from 'nestjs-gatehouse';
import { AuthTesting } from 'nestjs-gatehouse/testing';
import { namedBackend, NoUsers } from '../../test/support/test-backends.js';
import { RoutePolicies, type RoutePolicy } from './route-policy.js';

const TokenBackend = namedBackend('token', 'Token');
const BasicBackend = namedBackend('basic', 'Basic');
const QuietBackend = namedBackend('quiet');
const SecondTokenBackend = namedBackend('token2', 'Token');

/** The module's RoutePolicies (no app is started, so nothing is resolved at bootstrap). */
async function policies(
  backends = [TokenBackend, BasicBackend, QuietBackend],
  realm?: string,
  testing?: AuthTesting,
): Promise<RoutePolicies> {
  const builder = Test.createTestingModule({
    imports: [AuthModule.forRoot({ backends, userModel: NoUsers, ...(realm ? { realm } : {}) })],
  });
  const moduleRef = await (testing ? testing.install(builder) : builder).compile();
  return moduleRef.get(RoutePolicies);
}

/** The policy of `controller.method`. */
function policyOf(from: RoutePolicies, controller: new () => object, method: string): RoutePolicy {
  return from.resolve(controller, (controller.prototype as Record<string, object>)[method]!);
}

const names = (policy: RoutePolicy) => policy.backends.map((b) => b.name);

describe('RoutePolicies', () => {
  describe('resolving the decorators', () => {
    it('protects an undecorated route, by every configured backend in order', async () => {
      @Controller()
      class Plain {
        @Get()
        get() {}
      }
      const policy = policyOf(await policies(), Plain, 'get');
      expect(policy).toEqual({
        public: false,
        backends: expect.any(Array),
        candidates: expect.any(Array),
        fresh: false,
        freshWithinMs: undefined,
        requirements: [],
        challenge: 'Token realm="api", Basic realm="api"',
      });
      expect(names(policy)).toEqual(['token', 'basic', 'quiet']);
      // Without a testing backend, what documents list is what the guard tries.
      expect(policy.candidates).toBe(policy.backends);
    });

    it('opens a @Public() route or controller', async () => {
      @Public()
      @Controller()
      class Open {
        @Get()
        get() {}
      }
      @Controller()
      class OneOpen {
        @Public()
        @Get()
        open() {}
        @Get()
        closed() {}
      }
      const from = await policies();
      expect(policyOf(from, Open, 'get').public).toBe(true);
      expect(policyOf(from, OneOpen, 'open').public).toBe(true);
      expect(policyOf(from, OneOpen, 'closed').public).toBe(false);
    });

    it("lets a method's @Auth override its controller's @Public, and the other way round", async () => {
      @Public()
      @Controller()
      class MostlyOpen {
        @Auth('basic')
        @Get()
        closed() {}
      }
      @Auth('token')
      @Controller()
      class MostlyClosed {
        @Public()
        @Get()
        open() {}
        @Auth(['basic'])
        @Get()
        other() {}
        @Get()
        fromClass() {}
      }
      const from = await policies();
      expect(policyOf(from, MostlyOpen, 'closed')).toMatchObject({ public: false });
      expect(names(policyOf(from, MostlyOpen, 'closed'))).toEqual(['basic']);
      expect(policyOf(from, MostlyClosed, 'open').public).toBe(true);
      expect(names(policyOf(from, MostlyClosed, 'other'))).toEqual(['basic']);
      expect(names(policyOf(from, MostlyClosed, 'fromClass'))).toEqual(['token']);
    });

    it('keeps the order of the backends @Auth names', async () => {
      @Controller()
      class Ordered {
        @Auth(['quiet', 'token'])
        @Get()
        get() {}
      }
      expect(names(policyOf(await policies(), Ordered, 'get'))).toEqual(['quiet', 'token']);
    });

    it('turns @Auth({ fresh, freshWithinSeconds }) into a freshness rule in ms', async () => {
      @Controller()
      class Fresh {
        @Auth({ fresh: true })
        @Get()
        fresh() {}
        @Auth({ backends: 'token', freshWithinSeconds: 300 })
        @Get()
        window() {}
      }
      const from = await policies();
      expect(policyOf(from, Fresh, 'fresh')).toMatchObject({
        fresh: true,
        freshWithinMs: undefined,
      });
      expect(names(policyOf(from, Fresh, 'fresh'))).toEqual(['token', 'basic', 'quiet']);
      expect(policyOf(from, Fresh, 'window')).toMatchObject({
        fresh: true,
        freshWithinMs: 300_000,
      });
      expect(names(policyOf(from, Fresh, 'window'))).toEqual(['token']);
    });

    it("combines the controller's permission requirements, first, with the method's", async () => {
      @HasPermission('reports:read')
      @Controller()
      class Reports {
        @HasAnyPermission(['reports:write', 'reports:admin'])
        @HasPermission(['reports:publish', 'reports:sign'])
        @Get()
        publish() {}
        @Get()
        read() {}
      }
      const from = await policies();
      const requirements = policyOf(from, Reports, 'publish').requirements;
      expect(requirements).toHaveLength(3);
      expect(requirements[0]).toEqual({ mode: 'all', permissions: ['reports:read'] });
      expect(requirements).toContainEqual({
        mode: 'all',
        permissions: ['reports:publish', 'reports:sign'],
      });
      expect(requirements).toContainEqual({
        mode: 'any',
        permissions: ['reports:write', 'reports:admin'],
      });
      expect(policyOf(from, Reports, 'read').requirements).toEqual([
        { mode: 'all', permissions: ['reports:read'] },
      ]);
    });
  });

  describe('refusing mistakes, naming the route', () => {
    it('refuses @Auth naming a backend that is not configured', async () => {
      @Controller()
      class Typo {
        @Auth(['token', 'jwt'])
        @Get()
        list() {}
      }
      const from = await policies();
      expect(() => policyOf(from, Typo, 'list')).toThrowError(AuthConfigurationError);
      expect(() => policyOf(from, Typo, 'list')).toThrowError(/Typo\.list/);
      expect(() => policyOf(from, Typo, 'list')).toThrowError(/"jwt"/);
    });

    it('refuses an unknown backend named on the controller too', async () => {
      @Auth('session')
      @Controller()
      class Sessions {
        @Get()
        mine() {}
      }
      const resolved = await policies();
      expect(() => policyOf(resolved, Sessions, 'mine')).toThrowError(AuthConfigurationError);
      expect(() => policyOf(resolved, Sessions, 'mine')).toThrowError(/Sessions\.mine/);
    });

    it('refuses @HasPermission on a @Public route, wherever each decorator sits', async () => {
      @Public()
      @Controller()
      class OpenClass {
        @HasPermission('a')
        @Get()
        get() {}
      }
      @HasAnyPermission(['a', 'b'])
      @Controller()
      class GuardedClass {
        @Public()
        @Get()
        health() {}
      }
      const resolved = await policies();
      for (const [controller, method, route] of [
        [OpenClass, 'get', /OpenClass\.get/],
        [GuardedClass, 'health', /GuardedClass\.health/],
      ] as const) {
        expect(() => policyOf(resolved, controller, method)).toThrowError(AuthConfigurationError);
        expect(() => policyOf(resolved, controller, method)).toThrowError(route);
      }
    });
  });

  describe('the challenge', () => {
    it('names each scheme of the route’s backends once, in their order, with the realm', async () => {
      @Controller()
      class Challenged {
        @Get()
        any() {}
        @Auth('basic')
        @Get()
        basic() {}
        @Auth(['token2', 'basic', 'token'])
        @Get()
        tokens() {}
      }
      const from = await policies(
        [TokenBackend, QuietBackend, SecondTokenBackend, BasicBackend],
        'reports',
      );
      expect(policyOf(from, Challenged, 'any').challenge).toBe(
        'Token realm="reports", Basic realm="reports"',
      );
      expect(policyOf(from, Challenged, 'basic').challenge).toBe('Basic realm="reports"');
      expect(policyOf(from, Challenged, 'tokens').challenge).toBe(
        'Token realm="reports", Basic realm="reports"',
      );
    });

    // No scheme is invented (it used to fall back to Bearer): a custom-header route has none.
    it('names no scheme when no backend of the route has one', async () => {
      @Controller()
      class Quiet {
        @Auth('quiet')
        @Get()
        get() {}
      }
      expect(policyOf(await policies(), Quiet, 'get').challenge).toBe('');
    });
  });

  describe('caching', () => {
    it('resolves a route once and hands out the same frozen policy afterwards', async () => {
      @Controller()
      class Cached {
        @HasPermission('a')
        @Get()
        one() {}
        @Get()
        two() {}
      }
      const from = await policies();
      const first = policyOf(from, Cached, 'one');
      expect(policyOf(from, Cached, 'one')).toBe(first);
      expect(policyOf(from, Cached, 'two')).not.toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      expect(Object.isFrozen(first.backends)).toBe(true);
      expect(Object.isFrozen(first.requirements)).toBe(true);
    });

    it('keeps the policies of a handler shared by two controllers apart', async () => {
      @Auth('token')
      @Controller()
      class Base {
        @Get()
        get() {}
      }
      @Auth('basic')
      @Controller()
      class Derived extends Base {}
      const from = await policies();
      expect(names(policyOf(from, Base, 'get'))).toEqual(['token']);
      expect(names(policyOf(from, Derived, 'get'))).toEqual(['basic']);
    });
  });

  describe('with AuthTesting installed', () => {
    it('tries the test backend first, within the route’s backend restriction', async () => {
      @Controller()
      class Restricted {
        @Auth('basic')
        @Get()
        get() {}
      }
      const testing = new AuthTesting();
      const policy = policyOf(await policies(undefined, undefined, testing), Restricted, 'get');
      expect(policy.backends).toHaveLength(2);
      expect(policy.backends[1]!.name).toBe('basic');
      const request = (credential: { backend?: string }): AuthRequest => ({
        headers: testing.as(new SimpleUser({ identity: 'ada' }), credential),
        method: 'GET',
        url: '/',
      });
      const test = policy.backends[0]!;
      expect(await test.authenticate(request({ backend: 'basic' }))).toMatchObject({
        success: true,
        identity: 'ada',
      });
      expect(await test.authenticate(request({ backend: 'token' }))).toMatchObject({
        success: false,
        missing: false,
      });
      // Challenges come from the configured backends only.
      expect(policy.challenge).toBe('Basic realm="api"');
    });
  });
});

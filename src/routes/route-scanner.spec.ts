import { Controller, Get, Injectable, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { describe, expect, it, vi } from 'vitest';
import { Auth, AuthConfigurationError, AuthModule, HasPermission, Public } from 'nestjs-gatehouse';
import { bootAndClose } from '../../test/support/http-app.js';
import { namedBackend, NoUsers } from '../../test/support/test-backends.js';
import { RoutePolicies } from './route-policy.js';

const KeyBackend = namedBackend('key');
const auth = () => AuthModule.forRoot({ backends: [KeyBackend], userModel: NoUsers });

@Controller('fine')
class FineController {
  @Get()
  list() {}

  @Auth('key')
  @HasPermission('fine:write')
  @Post()
  create() {}
}

/** What the start refused, or `undefined` when it started. */
async function bootFailure(...controllers: (new () => object)[]): Promise<unknown> {
  return bootAndClose([auth()], controllers).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('AuthRouteScanner', () => {
  it('lets a correct application start', async () => {
    expect(await bootFailure(FineController)).toBeUndefined();
  });

  it('fails the start on an unknown backend in any controller, naming the route', async () => {
    @Controller('broken')
    class BrokenController {
      @Get()
      fine() {}

      @Auth(['key', 'jwt'])
      @Get('x')
      typo() {}
    }
    const error = await bootFailure(FineController, BrokenController);
    expect(error).toBeInstanceOf(AuthConfigurationError);
    expect((error as Error).message).toMatch(/BrokenController\.typo/);
  });

  it('fails the start on @HasPermission under @Public, naming the route', async () => {
    @Controller('open')
    class OpenController {
      @Public()
      @HasPermission('admin')
      @Get()
      stats() {}
    }
    const error = await bootFailure(OpenController);
    expect(error).toBeInstanceOf(AuthConfigurationError);
    expect((error as Error).message).toMatch(/OpenController\.stats/);
  });

  it('scans the routes a controller inherits', async () => {
    class BaseController {
      @Auth('session')
      @Get('mine')
      mine() {}
    }
    @Controller('derived')
    class DerivedController extends BaseController {}
    const error = await bootFailure(DerivedController);
    expect(error).toBeInstanceOf(AuthConfigurationError);
    expect((error as Error).message).toMatch(/DerivedController\.mine/);
  });

  it('scans controllers only, not other providers', async () => {
    @Injectable()
    class NotAController {
      @Auth('nothing-by-this-name')
      work() {}
    }
    await expect(
      bootAndClose([auth(), { module: class Extra {}, providers: [NotAController] }]),
    ).resolves.toBeUndefined();
  });

  it('leaves nothing to look up on the request path: every policy is resolved at the start', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [auth()],
      controllers: [FineController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const reflector = app.get(Reflector);
      const lookups = [vi.spyOn(reflector, 'get'), vi.spyOn(reflector, 'getAllAndOverride')];
      const policies = app.get(RoutePolicies);
      const create = policies.resolve(FineController, FineController.prototype.create);
      const list = policies.resolve(FineController, FineController.prototype.list);
      expect(create.requirements).toEqual([{ mode: 'all', permissions: ['fine:write'] }]);
      expect(list.public).toBe(false);
      for (const lookup of lookups) expect(lookup).not.toHaveBeenCalled();
    } finally {
      await app.close();
    }
  });
});

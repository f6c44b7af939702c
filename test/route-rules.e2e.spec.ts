import { Controller, Get, Injectable, Module, Post } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Auth,
  AuthBackend,
  AuthConfigurationError,
  AuthModule,
  AuthResults,
  CurrentAuth,
  PassportBackend,
  Public,
  SimpleUser,
  UserModel,
  type AuthInfo,
  type AuthRequest,
} from 'nestjs-gatehouse';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { basic, body, GENERIC_BODIES } from './support/http.js';
import { bobBasicStrategy } from './support/test-backends.js';

/** `X-Token: alice` authenticates alice; `alice-fresh` is a fresh credential of hers. */
@Injectable()
class TokenBackend extends AuthBackend {
  readonly name = 'token';
  override get challenge(): string {
    return 'Token';
  }
  async authenticate(request: AuthRequest) {
    const token = request.headers['x-token'];
    if (token === undefined) return AuthResults.missing(this.name);
    if (token !== 'alice' && token !== 'alice-fresh') {
      return AuthResults.invalid(this.name, 'CREDENTIAL_INVALID');
    }
    return AuthResults.success(this.name, 'alice', { fresh: token === 'alice-fresh' });
  }
}

/** `X-Key: alice-key` authenticates alice with a fresh credential: a second, ordinary backend. */
@Injectable()
class KeyBackend extends AuthBackend {
  readonly name = 'key';
  async authenticate(request: AuthRequest) {
    if (request.headers['x-key'] === undefined) return AuthResults.missing(this.name);
    return request.headers['x-key'] === 'alice-key'
      ? AuthResults.success(this.name, 'alice', { fresh: true })
      : AuthResults.invalid(this.name, 'CREDENTIAL_INVALID');
  }
}

/**
 * A password backend, passport-http's BasicStrategy unchanged: its challenge scheme comes from
 * the strategy. Explicit, so it serves only routes whose @Auth names it.
 */
@Injectable()
class PasswordBackend extends PassportBackend {
  readonly name = 'password';
  override readonly explicit = true;
  protected createStrategy() {
    return bobBasicStrategy();
  }
}

@Injectable()
class Users extends UserModel {
  async loadUser(identity: string) {
    return identity === 'alice' || identity === 'bob' ? new SimpleUser({ identity }) : null;
  }
}

@Controller('plain')
class PlainController {
  @Get()
  show(@CurrentAuth() auth: AuthInfo) {
    return { auth: auth.backend };
  }

  @Auth('password')
  @Post('password')
  withPassword(@CurrentAuth() auth: AuthInfo) {
    return { auth: auth.backend };
  }

  @Auth(['token', 'password'])
  @Get('either')
  either(@CurrentAuth() auth: AuthInfo) {
    return { auth: auth.backend };
  }
}

@Auth('token')
@Controller('combined')
class CombinedController {
  @Get('inherits')
  inherits(@CurrentAuth() auth: AuthInfo) {
    return { auth: auth.backend };
  }

  // Names only `fresh`: the controller's backend restriction stays.
  @Auth({ fresh: true })
  @Get('fresh')
  fresh(@CurrentAuth() auth: AuthInfo) {
    return { auth: auth.backend };
  }

  @Auth('password')
  @Get('replaced')
  replaced(@CurrentAuth() auth: AuthInfo) {
    return { auth: auth.backend };
  }
}

@Auth({ fresh: true, freshWithinSeconds: 60 })
@Controller('fresh-class')
class FreshClassController {
  // Lifting freshness also lifts the class's window.
  @Auth({ fresh: false })
  @Get('lifted')
  lifted() {
    return { ok: true };
  }
}

@Public()
@Controller('open')
class OpenController {
  @Auth()
  @Get('closed')
  closed() {
    return { ok: true };
  }
}

@Module({
  imports: [
    AuthModule.forRoot({ backends: [TokenBackend, KeyBackend, PasswordBackend], userModel: Users }),
  ],
  controllers: [PlainController, CombinedController, FreshClassController, OpenController],
})
class RulesAppModule {}

describe.each(adapters)('route rules (%s)', (adapter) => {
  let app: RunningApp;
  const get = (path: string, headers: Record<string, string> = {}) => app.get(path, headers);
  const expect401 = async (res: Response, challenge: string) => {
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(challenge);
    expect(await body(res)).toEqual(GENERIC_BODIES[401]);
  };

  beforeAll(async () => {
    app = await startApp(adapter, RulesAppModule);
  });
  afterAll(() => app.close());

  describe('a method @Auth inside a controller @Auth', () => {
    it('inherits the backend restriction when it names only freshness', async () => {
      // Before, the method's @Auth({ fresh: true }) replaced the whole rule: any backend passed.
      await expect401(await get('/combined/fresh', { 'x-key': 'alice-key' }), 'Token realm="api"');
      expect((await get('/plain', { 'x-key': 'alice-key' })).status).toBe(200);
      await expect401(
        await get('/combined/fresh', { authorization: basic('bob', 'bob-pass') }),
        'Token realm="api"',
      );
      expect((await get('/combined/fresh', { 'x-token': 'alice' })).status).toBe(403);
      const ok = await get('/combined/fresh', { 'x-token': 'alice-fresh' });
      expect(ok.status).toBe(200);
      expect(await body(ok)).toEqual({ auth: 'token' });
    });

    it('keeps the controller rule on methods without their own, and lets a method replace backends', async () => {
      expect((await get('/combined/inherits', { 'x-token': 'alice' })).status).toBe(200);
      await expect401(
        await get('/combined/inherits', { authorization: basic('bob', 'bob-pass') }),
        'Token realm="api"',
      );
      const replaced = await get('/combined/replaced', { authorization: basic('bob', 'bob-pass') });
      expect(await body(replaced)).toEqual({ auth: 'password' });
      await expect401(
        await get('/combined/replaced', { 'x-token': 'alice-fresh' }),
        'Basic realm="api"',
      );
    });

    it('lifts a class freshness window with the method fresh: false', async () => {
      expect((await get('/fresh-class/lifted', { 'x-token': 'alice' })).status).toBe(200);
    });

    it('protects one route of a public controller', async () => {
      expect((await get('/open/closed')).status).toBe(401);
      expect((await get('/open/closed', { 'x-token': 'alice' })).status).toBe(200);
    });
  });

  describe('an explicit backend', () => {
    it('is never tried on routes that do not name it, and is not offered in their challenge', async () => {
      await expect401(
        await get('/plain', { authorization: basic('bob', 'bob-pass') }),
        'Token realm="api"',
      );
      expect(await body(await get('/plain', { 'x-token': 'alice' }))).toEqual({ auth: 'token' });
    });

    it('serves the routes whose @Auth names it, with the challenge of its strategy', async () => {
      const post = (headers: Record<string, string> = {}) =>
        app.send('/plain/password', { method: 'POST', headers });
      const ok = await post({ authorization: basic('bob', 'bob-pass') });
      expect(ok.status).toBe(201);
      expect(await body(ok)).toEqual({ auth: 'password' });
      await expect401(await post(), 'Basic realm="api"');
      await expect401(await post({ authorization: basic('bob', 'wrong') }), 'Basic realm="api"');
    });

    it('counts a request without its credential as missing, so the other backend decides', async () => {
      const either = await get('/plain/either', { 'x-token': 'alice' });
      expect(await body(either)).toEqual({ auth: 'token' });
      await expect401(await get('/plain/either'), 'Token realm="api", Basic realm="api"');
    });
  });
});

describe('contradictory route rules', () => {
  it('refuses @Public() and @Auth() on one route when the class is declared', () => {
    const declare = () => {
      class Twice {
        @Public()
        @Auth()
        route() {}
      }
      return Twice;
    };
    expect(declare).toThrowError(AuthConfigurationError);
    expect(declare).toThrowError(/"@Public\(\) on Twice\.route"/);
  });

  it('refuses a freshness window with fresh: false in one @Auth', () => {
    expect(() => Auth({ fresh: false, freshWithinSeconds: 60 })).toThrowError(/contradicts/);
  });

  it('refuses to start when every backend is explicit and a route names none', async () => {
    @Controller('x')
    class NoBackendController {
      @Get()
      route() {}
    }
    @Module({
      imports: [AuthModule.forRoot({ backends: [PasswordBackend], userModel: Users })],
      controllers: [NoBackendController],
    })
    class OnlyExplicitModule {}
    await expect(startApp('express', OnlyExplicitModule)).rejects.toThrowError(
      /NoBackendController\.route.*every configured backend is explicit/,
    );
  });
});

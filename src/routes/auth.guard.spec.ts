import { Controller, Get, Injectable, Logger, type Provider, type Type } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Auth,
  AuthBackend,
  AuthEventPublisher,
  AuthEvents,
  AuthGuard,
  AuthenticationFailedError,
  AuthModule,
  AuthResults,
  AuthUnavailableError,
  HasPermission,
  PermissionDeniedError,
  SimpleUser,
  UserModel,
  type AuthEvent,
  type AuthRequest,
  type AuthResult,
} from 'nestjs-gatehouse';

@Injectable()
class RecordedEvents extends AuthEvents {
  static readonly events: AuthEvent[] = [];

  emit(event: AuthEvent): void {
    RecordedEvents.events.push(event);
  }
}

const CLAIMS = Object.freeze({ sub: 'ada', tenant: 't1' });

/** Answers by the `x-case` header, with results of several shapes, as real backends do. */
@Injectable()
class CaseBackend extends AuthBackend {
  readonly name = 'case';

  async authenticate(request: AuthRequest): Promise<AuthResult> {
    switch (request.headers['x-case']) {
      case 'full':
        return Object.freeze(
          AuthResults.success(this.name, 'ada', {
            claims: CLAIMS,
            scopes: ['reports:read'],
            fresh: true,
            issuedAt: 1_700_000_000_000,
            credentialId: 'cred-1',
          }),
        );
      case 'minimal':
        return AuthResults.success(this.name, 'ada');
      case 'carries-user':
        return AuthResults.success(this.name, 'ghost', {
          user: new SimpleUser({ identity: 'ghost', roles: ['reader'] }),
        });
      case 'denies':
        throw new PermissionDeniedError('PERMISSION_MISSING', { detail: 'backend says no' });
      case 'crashes':
        throw new Error('socket hang up');
      default:
        return AuthResults.missing(this.name);
    }
  }
}

@Injectable()
class Users extends UserModel {
  readonly loaded: string[] = [];

  async loadUser(identity: string): Promise<SimpleUser | null> {
    this.loaded.push(identity);
    if (identity === 'ada') return new SimpleUser({ identity, roles: ['reader', 'writer'] });
    return null;
  }
}

@Controller()
class RoutesController {
  @Get('read')
  @Auth('case')
  @HasPermission('reports:read')
  read(): string {
    return 'ok';
  }
}

/** The library with `options` and no global guard, around `controllers`, started. */
async function started(
  options: Omit<Parameters<typeof AuthModule.forRoot>[0], 'globalGuard'>,
  controllers: Type<unknown>[],
  providers: Provider[] = [],
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [AuthModule.forRoot({ ...options, globalGuard: false })],
    controllers,
    providers,
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('AuthGuard called directly', () => {
  let guard: AuthGuard;
  let users: Users;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const moduleRef = await started(
      {
        backends: [CaseBackend],
        userModel: Users,
        roles: {
          reader: { permissions: ['reports:read'] },
          writer: { permissions: ['reports:write'] },
        },
        events: RecordedEvents,
      },
      [RoutesController],
    );
    guard = moduleRef.get(AuthGuard);
    users = moduleRef.get(UserModel);
    close = () => moduleRef.close();
  });
  afterAll(() => close());

  const call = async (which: string): Promise<AuthRequest> => {
    const request: AuthRequest = {
      headers: { 'x-case': which },
      method: 'GET',
      url: '/read',
      ip: '127.0.0.1',
    };
    const response = { header: () => undefined };
    const context = new ExecutionContextHost(
      [request, response, undefined],
      RoutesController,
      RoutesController.prototype.read,
    );
    context.setType('http');
    await guard.canActivate(context);
    return request;
  };

  it('copies every field of the backend result into request.authInfo, with the permissions', async () => {
    const request = await call('full');
    expect(request.user?.identity).toBe('ada');
    expect(request.auth).toBe('case');
    const info = request.authInfo!;
    expect(info).toMatchObject({
      success: true,
      backend: 'case',
      identity: 'ada',
      claims: CLAIMS,
      scopes: ['reports:read'],
      fresh: true,
      issuedAt: 1_700_000_000_000,
      credentialId: 'cred-1',
    });
    // The token's scope narrows reader+writer down to reports:read.
    expect([...info.permissions]).toEqual(['reports:read']);
  });

  it('leaves the optional fields undefined when the backend gave none', async () => {
    const info = (await call('minimal')).authInfo!;
    expect(info.identity).toBe('ada');
    expect(info.claims).toBeUndefined();
    expect(info.scopes).toBeUndefined();
    expect(info.fresh).toBeUndefined();
    expect(info.credentialId).toBeUndefined();
    expect([...info.permissions].sort()).toEqual(['reports:read', 'reports:write']);
  });

  it('uses a user the backend loaded itself and skips the user model', async () => {
    users.loaded.length = 0;
    const request = await call('carries-user');
    expect(request.user?.identity).toBe('ghost');
    expect(request.authInfo?.user?.identity).toBe('ghost');
    expect(users.loaded).toEqual([]);
  });

  it('lets an AuthError thrown by a backend through unchanged', async () => {
    await expect(call('denies')).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  it('turns any other backend error into AuthUnavailableError (503), keeping the cause', async () => {
    const error = await call('crashes').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthUnavailableError);
    expect(((error as AuthUnavailableError).cause as Error).message).toBe('socket hang up');
    expect(RecordedEvents.events.at(-1)).toMatchObject({
      type: 'auth_unavailable',
      backend: 'case',
      path: '/read',
    });
  });
});

/** Answers at once, as a cached JWT does: no promise. */
@Injectable()
class AtOnceBackend extends AuthBackend {
  readonly name = 'at-once';

  authenticate(request: AuthRequest): AuthResult {
    const who = request.headers['x-user'];
    // An answer whose `then` getter throws (a Proxy, an odd ORM object) is the backend failing.
    if (who === 'then-throws') return thenThrows as unknown as AuthResult;
    return typeof who === 'string'
      ? AuthResults.success(this.name, who, { credentialId: `cred-${who}` })
      : AuthResults.missing(this.name);
  }
}

const thenThrows = {
  get then(): never {
    throw new Error('then getter boom');
  },
};

/** Answers from memory without a promise; `async-*` identities answer with one. */
@Injectable()
class AtOnceUsers extends UserModel {
  loadUser(identity: string): SimpleUser | null | Promise<SimpleUser | null> {
    switch (identity) {
      case 'ada':
        return new SimpleUser({ identity, roles: ['reader'] });
      case 'async-ada':
        return Promise.resolve(new SimpleUser({ identity, roles: ['reader'] }));
      case 'broken':
        throw new Error('users table unreachable');
      case 'async-broken':
        return Promise.reject(new Error('users table unreachable'));
      case 'async-disabled':
        return Promise.resolve(null);
      case 'user-then-throws':
        return thenThrows as unknown as SimpleUser;
      default:
        return null;
    }
  }
}

@Controller()
class AtOnceController {
  @Get('read')
  @Auth('at-once')
  @HasPermission('reports:read')
  read(): string {
    return 'ok';
  }
}

describe.each([
  ['the default sink', undefined],
  ['a sink of its own', RecordedEvents],
])('AuthGuard with a backend and a user model that answer at once (%s)', (_, events) => {
  let guard: AuthGuard;
  let publisher: AuthEventPublisher;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const moduleRef = await started(
      {
        backends: [AtOnceBackend],
        userModel: AtOnceUsers,
        roles: { reader: { permissions: ['reports:read'] } },
        events,
      },
      [AtOnceController],
    );
    guard = moduleRef.get(AuthGuard);
    publisher = moduleRef.get(AuthEventPublisher);
    close = () => moduleRef.close();
  });
  afterAll(() => close());

  const call = (user: string | undefined) => {
    const request: AuthRequest = {
      headers: user === undefined ? {} : { 'x-user': user },
      method: 'GET',
      url: '/read?x=1',
      ip: '127.0.0.1',
    };
    const context = new ExecutionContextHost(
      [request, { header: () => undefined }, undefined],
      AtOnceController,
      AtOnceController.prototype.read,
    );
    context.setType('http');
    return { request, outcome: guard.canActivate(context) };
  };

  it('passes a user loaded without a promise, and one loaded with a promise', async () => {
    for (const identity of ['ada', 'async-ada']) {
      const { request, outcome } = call(identity);
      expect(outcome).toBeInstanceOf(Promise);
      await expect(outcome).resolves.toBe(true);
      expect(request.user?.identity).toBe(identity);
      expect([...request.authInfo!.permissions]).toEqual(['reports:read']);
    }
  });

  it('refuses an unknown or disabled user (401) either way', async () => {
    for (const identity of ['nobody', 'async-disabled']) {
      const { request, outcome } = call(identity);
      await expect(outcome).rejects.toBeInstanceOf(AuthenticationFailedError);
      expect(request.user?.isAuthenticated).toBe(false);
    }
  });

  it('answers 503 when the user model throws or rejects, as a rejection, never a pass', async () => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    for (const identity of ['broken', 'async-broken']) {
      const error = await call(identity).outcome.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthUnavailableError);
      expect((error as AuthUnavailableError).reason).toBe('USER_MODEL_UNAVAILABLE');
    }
    vi.restoreAllMocks();
  });

  it('answers 503 when an answer of the backend or of the user model has a then getter that throws', async () => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const cases = [
      ['then-throws', 'DEPENDENCY_UNAVAILABLE'],
      ['user-then-throws', 'USER_MODEL_UNAVAILABLE'],
    ];
    for (const [identity, reason] of cases) {
      const error = await call(identity).outcome.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthUnavailableError);
      expect((error as AuthUnavailableError).reason).toBe(reason);
    }
    vi.restoreAllMocks();
  });

  it('hands a subscriber every event of the guard, with every field', async () => {
    const heard: AuthEvent[] = [];
    const stop = publisher.subscribe((event) => heard.push(event));
    try {
      await call('ada').outcome;
      await call(undefined).outcome.catch(() => undefined);
      await call('nobody').outcome.catch(() => undefined);
    } finally {
      stop();
    }
    const common = {
      at: expect.any(Number),
      detail: undefined,
      method: 'GET',
      path: '/read',
      transport: undefined,
      operation: undefined,
      ip: '127.0.0.1',
      error: undefined,
    };
    expect(heard).toEqual([
      {
        ...common,
        type: 'authenticated',
        backend: 'at-once',
        identity: 'ada',
        reason: undefined,
        credentialId: 'cred-ada',
      },
      {
        ...common,
        type: 'authentication_failed',
        backend: 'at-once',
        identity: undefined,
        reason: 'CREDENTIAL_MISSING',
        credentialId: undefined,
      },
      {
        ...common,
        type: 'authentication_failed',
        backend: 'at-once',
        identity: 'nobody',
        reason: 'USER_NOT_FOUND',
        credentialId: undefined,
      },
    ]);
  });

  it('builds a success event only when someone reads it', async () => {
    // The default sink drops successes; a sink of its own gets them.
    expect(publisher.wants('authenticated')).toBe(events !== undefined);
    const stop = publisher.subscribe(() => undefined, ['logout']);
    expect(publisher.wants('authenticated')).toBe(events !== undefined);
    stop();
    const heard: AuthEvent[] = [];
    const listen = publisher.subscribe((event) => heard.push(event), ['authenticated']);
    expect(publisher.wants('authenticated')).toBe(true);
    await call('ada').outcome;
    listen();
    expect(heard.map((event) => [event.type, event.identity])).toEqual([['authenticated', 'ada']]);
    if (events !== undefined) {
      expect(RecordedEvents.events.at(-1)).toEqual(heard[0]);
    }
  });
});

/** A guard whose own check runs after the library's: a tenant header must match the user's. */
@Injectable()
class TenantGuard extends AuthGuard {
  static calls = 0;

  override async authorize(
    ...args: Parameters<AuthGuard['authorize']>
  ): ReturnType<AuthGuard['authorize']> {
    TenantGuard.calls++;
    const passed = await super.authorize(...args);
    if (args[0].headers['x-tenant'] !== 't1') {
      throw new PermissionDeniedError('PERMISSION_MISSING', { detail: 'wrong tenant' });
    }
    return passed;
  }
}

describe('A subclass of AuthGuard that overrides authorize', () => {
  let guard: TenantGuard;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const moduleRef = await started(
      {
        backends: [AtOnceBackend],
        userModel: AtOnceUsers,
        roles: { reader: { permissions: ['reports:read'] } },
      },
      [AtOnceController],
      [TenantGuard],
    );
    guard = moduleRef.get(TenantGuard);
    close = () => moduleRef.close();
  });
  afterAll(() => close());

  const contextOf = (type: 'http' | 'rpc', headers: Record<string, string>) => {
    const request: AuthRequest = { headers, method: 'GET', url: '/read', ip: '127.0.0.1' };
    const args =
      type === 'http'
        ? [request, { header: () => undefined }, undefined]
        : [{ $auth: headers }, { getPattern: () => 'reports.read' }];
    const context = new ExecutionContextHost(
      args,
      AtOnceController,
      AtOnceController.prototype.read,
    );
    context.setType(type);
    return context;
  };

  it('sees every HTTP call, even one the library decides at once, and its refusal stands', async () => {
    TenantGuard.calls = 0;
    await expect(
      guard.canActivate(contextOf('http', { 'x-user': 'ada', 'x-tenant': 't1' })),
    ).resolves.toBe(true);
    await expect(
      guard.canActivate(contextOf('http', { 'x-user': 'ada', 'x-tenant': 'WRONG' })),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(TenantGuard.calls).toBe(2);
  });

  it('sees every call of another transport too (a microservice message)', async () => {
    TenantGuard.calls = 0;
    await expect(
      guard.canActivate(contextOf('rpc', { 'x-user': 'ada', 'x-tenant': 't1' })),
    ).resolves.toBe(true);
    const refused = await guard
      .canActivate(contextOf('rpc', { 'x-user': 'ada', 'x-tenant': 'WRONG' }))
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ message: expect.not.stringContaining('wrong tenant') });
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect(TenantGuard.calls).toBe(2);
  });
});

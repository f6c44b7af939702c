import { Controller, Get, Injectable } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Auth,
  AuthBackend,
  AuthEvents,
  AuthGuard,
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

describe('AuthGuard called directly', () => {
  let guard: AuthGuard;
  let users: Users;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuthModule.forRoot({
          backends: [CaseBackend],
          userModel: Users,
          roles: {
            reader: { permissions: ['reports:read'] },
            writer: { permissions: ['reports:write'] },
          },
          events: RecordedEvents,
          globalGuard: false,
        }),
      ],
      controllers: [RoutesController],
    }).compile();
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

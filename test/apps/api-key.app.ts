import { Controller, Get, Injectable, Module, Post, type Type } from '@nestjs/common';
import {
  ApiKeyBackend,
  ApiKeyService,
  AuthModule,
  CurrentAuth,
  CurrentUser,
  HasPermission,
  Public,
  SimpleUser,
  UserModel,
  type ApiKeyOptions,
  type AuthInfo,
  type BaseUser,
} from 'nestjs-gatehouse';
import { RecordingEvents } from '../support/recording-events.js';

export const roles = {
  user: { permissions: ['reports:read'] },
  admin: { inherits: ['user'], permissions: ['reports:write', 'users:manage'] },
};

@Injectable()
export class Users extends UserModel {
  private readonly users: Record<string, SimpleUser> = {
    alice: new SimpleUser({ identity: 'alice', roles: ['admin'] }),
    bob: new SimpleUser({ identity: 'bob', roles: ['user'] }),
  };

  async loadUser(identity: string): Promise<BaseUser | null> {
    return this.users[identity] ?? null;
  }
}

@Controller()
export class ApiKeyController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Get('me')
  me(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo) {
    return {
      identity: user.identity,
      auth: auth.backend,
      credentialId: auth.credentialId,
      scopes: auth.scopes ?? null,
      permissions: [...auth.permissions].sort(),
    };
  }

  /** The caller's keys, as an application's key-management endpoint would list them. */
  @Get('keys')
  keys(@CurrentUser() user: BaseUser) {
    return this.apiKeys.list(user.identity);
  }

  @HasPermission('reports:read')
  @Get('reports')
  reports() {
    return { ok: 'read' };
  }

  @HasPermission('reports:write')
  @Post('reports')
  writeReport() {
    return { ok: 'write' };
  }

  @Public()
  @Get('public')
  open(@CurrentUser() user: BaseUser) {
    return { identity: user.identity, authenticated: user.isAuthenticated };
  }
}

/** An app with the API-key backend configured with `apiKey`. */
export function apiKeyApp(apiKey?: ApiKeyOptions): Type<unknown> {
  @Module({
    imports: [
      AuthModule.forRoot({
        backends: [ApiKeyBackend],
        userModel: Users,
        events: RecordingEvents,
        roles,
        ...(apiKey === undefined ? {} : { apiKey }),
      }),
    ],
    controllers: [ApiKeyController],
  })
  class ApiKeyAppModule {}
  return ApiKeyAppModule;
}

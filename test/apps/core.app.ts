import { Controller, Delete, Get, Injectable, Module, Post } from '@nestjs/common';
import {
  Auth,
  AuthBackend,
  AuthModule,
  AuthResults,
  CurrentAuth,
  CurrentUser,
  HasAnyPermission,
  HasPermission,
  PassportBackend,
  Public,
  SimpleUser,
  UserModel,
  type AuthInfo,
  type AuthRequest,
  type AuthResult,
  type BaseUser,
} from 'nestjs-gatehouse';
import { bobBasicStrategy } from '../support/test-backends.js';

/** A service the custom backend injects: opaque tokens and what they stand for. */
@Injectable()
export class TokenDirectory {
  readonly tokens = new Map<string, { identity: string; scopes?: string[]; fresh?: boolean }>([
    ['t-alice', { identity: 'alice', fresh: true }],
    ['t-bob', { identity: 'bob' }],
    ['t-carol', { identity: 'carol' }],
    ['t-dave', { identity: 'dave' }],
    ['t-alice-read', { identity: 'alice', scopes: ['reports:read'] }],
    ['t-alice-none', { identity: 'alice', scopes: [] }],
    ['t-ghost', { identity: 'ghost' }],
    ['t-broken', { identity: 'broken' }],
  ]);
}

@Injectable()
export class HeaderBackend extends AuthBackend {
  readonly name = 'header';
  constructor(private readonly directory: TokenDirectory) {
    super();
  }

  override get challenge(): string {
    return 'Token';
  }

  async authenticate(request: AuthRequest): Promise<AuthResult> {
    const token = request.headers['x-token'];
    if (typeof token !== 'string') return AuthResults.missing(this.name);
    const entry = this.directory.tokens.get(token);
    if (!entry) return AuthResults.invalid(this.name, 'CREDENTIAL_INVALID', 'unknown token');
    return AuthResults.success(this.name, entry.identity, {
      scopes: entry.scopes,
      fresh: entry.fresh,
      claims: { token },
    });
  }
}

/** passport-http's Basic strategy, adapted. Only bob/bob-pass is valid. */
@Injectable()
export class BasicBackend extends PassportBackend {
  readonly name = 'basic';

  override get challenge(): string {
    return 'Basic';
  }

  protected createStrategy() {
    return bobBasicStrategy();
  }
}

export const roles = {
  user: { permissions: ['reports:read'] },
  moderator: { inherits: ['user'], permissions: ['reports:write'] },
  admin: { inherits: ['moderator'], permissions: ['reports:delete', 'users:manage'] },
};

@Injectable()
export class Users extends UserModel {
  readonly calls: string[] = [];
  private readonly users: Record<string, SimpleUser> = {
    alice: new SimpleUser({ identity: 'alice', roles: ['admin'] }),
    bob: new SimpleUser({ identity: 'bob', roles: ['user'] }),
    carol: new SimpleUser({ identity: 'carol', roles: ['moderator'] }),
    dave: new SimpleUser({ identity: 'dave', permissions: ['special'] }),
  };

  async loadUser(identity: string): Promise<BaseUser | null> {
    this.calls.push(identity);
    if (identity === 'broken') throw new Error('database is down: connection refused to 10.0.0.5');
    return this.users[identity] ?? null;
  }
}

const describe = (user: BaseUser, auth: AuthInfo | undefined) => ({
  identity: user.identity,
  authenticated: user.isAuthenticated,
  auth: auth?.backend ?? null,
  permissions: auth ? [...auth.permissions].sort() : [],
});

@Controller()
export class DefaultController {
  @Get('me')
  me(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo) {
    return describe(user, auth);
  }

  @Auth({ fresh: true })
  @Get('fresh')
  fresh() {
    return { ok: true };
  }
}

@Public()
@Controller('public')
export class PublicController {
  @Get('hello')
  hello(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo | undefined) {
    return describe(user, auth);
  }

  @Auth()
  @Get('private')
  private(@CurrentUser() user: BaseUser) {
    return { identity: user.identity };
  }
}

@Controller('restricted')
export class RestrictedController {
  @Auth('header')
  @Get('header')
  header(@CurrentAuth() auth: AuthInfo) {
    return { auth: auth.backend };
  }

  @Auth(['header', 'basic'])
  @Get('either')
  either(@CurrentAuth() auth: AuthInfo) {
    return { auth: auth.backend };
  }
}

@Auth('basic')
@Controller('basic-class')
export class BasicClassController {
  @Get('inherits')
  inherits(@CurrentAuth() auth: AuthInfo) {
    return { auth: auth.backend };
  }

  @Auth('header')
  @Get('overridden')
  overridden(@CurrentAuth() auth: AuthInfo) {
    return { auth: auth.backend };
  }
}

@HasPermission('reports:read')
@Controller('reports')
export class ReportsController {
  @Get()
  list() {
    return { ok: 'list' };
  }

  @HasPermission('reports:write')
  @Post()
  create() {
    return { ok: 'create' };
  }

  @HasPermission(['reports:delete', 'users:manage'])
  @Delete()
  remove() {
    return { ok: 'remove' };
  }
}

@Controller('any')
export class AnyController {
  @HasAnyPermission(['users:manage', 'special'])
  @Get()
  any() {
    return { ok: 'any' };
  }
}

export const controllers = [
  DefaultController,
  PublicController,
  RestrictedController,
  BasicClassController,
  ReportsController,
  AnyController,
];

@Module({ providers: [TokenDirectory], exports: [TokenDirectory] })
export class DirectoryModule {}

@Module({
  imports: [
    AuthModule.forRoot({
      backends: [HeaderBackend, BasicBackend],
      userModel: Users,
      imports: [DirectoryModule],
      roles,
    }),
  ],
  controllers,
})
export class CoreAppModule {}

/** The same app, configured through forRootAsync with an injected factory. */
@Module({
  imports: [
    AuthModule.forRootAsync({
      backends: [HeaderBackend, BasicBackend],
      userModel: Users,
      imports: [DirectoryModule],
      inject: [TokenDirectory],
      useFactory: async (directory: TokenDirectory) => {
        await Promise.resolve();
        return { roles, realm: directory.tokens.size > 0 ? 'async-realm' : 'none' };
      },
    }),
  ],
  controllers,
})
export class CoreAsyncAppModule {}

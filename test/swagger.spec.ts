import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Param, Post, Put } from '@nestjs/common';
import {
  ApiOperation,
  ApiResponse,
  DECORATORS,
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
} from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeyBackend,
  Auth,
  AuthBackend,
  AuthConfigurationError,
  AuthModule,
  AuthResults,
  HasAnyPermission,
  HasPermission,
  JwtBackend,
  Public,
  SessionBackend,
  SimpleUser,
  UserModel,
  configureSessions,
  type AuthRequest,
  type AuthResult,
  type SecuritySchemes,
} from 'nestjs-gatehouse';
import { createAuthDocument } from 'nestjs-gatehouse/swagger';
import { adapters, startApp, type RunningApp } from './support/http-app.js';

const DISCOVERY = 'https://id.example.com/.well-known/openid-configuration';

/** Stands for a provider-backed backend (OIDC): it describes itself, nothing else here needs it. */
@Injectable()
class CorporateBackend extends AuthBackend {
  readonly name = 'corp';
  async authenticate(): Promise<AuthResult> {
    return AuthResults.missing(this.name);
  }
  override describeSecurity(): SecuritySchemes {
    return { corp: { type: 'openIdConnect', openIdConnectUrl: DISCOVERY } };
  }
}

/** A backend with no challenge and no description: it is enforced, but has nothing to show. */
@Injectable()
class SilentBackend extends AuthBackend {
  readonly name = 'silent';
  async authenticate(request: AuthRequest): Promise<AuthResult> {
    return request.headers['x-silent'] === 'letmein'
      ? AuthResults.success(this.name, 'silent-user')
      : AuthResults.missing(this.name);
  }
}

@Injectable()
class Users extends UserModel {
  async loadUser(identity: string) {
    return new SimpleUser({ identity, roles: ['user'] });
  }
}

@Controller('reports')
@HasPermission('reports:read')
class ReportsController {
  @Get()
  list() {
    return [];
  }

  @Post()
  @HasAnyPermission(['reports:write', 'users:manage'])
  create() {
    return { created: true };
  }

  @Get(':id')
  @ApiOperation({ description: 'One report.' })
  @ApiResponse({ status: 403, description: 'Not your report.' })
  one(@Param('id') id: string) {
    return { id };
  }
}

@Controller('account')
class AccountController {
  @Public()
  @Get('status')
  status() {
    return { up: true };
  }

  @Get('me')
  me() {
    return {};
  }

  @Put('password')
  @Auth({ backends: 'jwt', fresh: true, freshWithinSeconds: 300 })
  password() {
    return {};
  }

  @Post('notes')
  @Auth('session')
  note() {
    return {};
  }

  @Get('silent')
  @Auth('silent')
  silent() {
    return {};
  }
}

/** One handler function shared by two controllers with different policies. */
class ItemsBase {
  @Get()
  items() {
    return [];
  }
}
@Controller('open-items')
@Public()
class OpenItemsController extends ItemsBase {}
@Controller('staff-items')
@Auth(['apikey'])
class StaffItemsController extends ItemsBase {}

@Module({
  imports: [
    AuthModule.forRoot({
      backends: [JwtBackend, ApiKeyBackend, SessionBackend, CorporateBackend, SilentBackend],
      userModel: Users,
      jwt: { algorithms: ['HS256'], secret: 'swagger-spec-secret-0123456789-abcdefghij' },
      apiKey: { header: 'X-Api-Key', scheme: 'ApiKey' },
      session: {
        secret: 'swagger-spec-session-secret-0123456789-abcdef',
        secure: false,
        cookieName: 'app.sid',
      },
    }),
  ],
  controllers: [ReportsController, AccountController, OpenItemsController, StaffItemsController],
})
class DocumentedModule {}

const ALL_ALTERNATIVES = [
  { jwt: [] },
  { 'jwt-cookie': [] },
  { apikey: [] },
  { 'apikey-authorization': [] },
  { session: [] },
  { corp: [] },
];

describe.each(adapters)('createAuthDocument (%s)', (adapter) => {
  let running: RunningApp;
  let document: OpenAPIObject;
  const op = (path: string, method: string): OperationObject => {
    const operation = (document.paths[path] as Record<string, OperationObject> | undefined)?.[
      method
    ];
    if (!operation) throw new Error(`no ${method} ${path} in the document`);
    return operation;
  };

  beforeAll(async () => {
    running = await startApp(
      adapter,
      DocumentedModule,
      (builder) => builder,
      async (app) => {
        app.setGlobalPrefix('api');
        await configureSessions(app);
      },
    );
    document = createAuthDocument(
      running.app,
      new DocumentBuilder()
        .setTitle('test')
        // A document-wide requirement: public operations must still say they need nothing.
        .addSecurityRequirements('jwt')
        .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Mine' }, 'mine')
        .build(),
    );
  });
  afterAll(() => running.close());

  it('declares every scheme the configured backends describe, and keeps its own', () => {
    expect(document.components?.securitySchemes).toEqual({
      jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      'jwt-cookie': {
        type: 'apiKey',
        in: 'cookie',
        name: '__Host-access_token',
        description: expect.stringContaining(
          'x-csrf-token header equal to the __Host-csrf_token cookie',
        ),
      },
      apikey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      'apikey-authorization': { type: 'http', scheme: 'ApiKey' },
      session: {
        type: 'apiKey',
        in: 'cookie',
        name: 'app.sid',
        description: expect.stringContaining('x-csrf-token'),
      },
      corp: { type: 'openIdConnect', openIdConnectUrl: DISCOVERY },
      mine: { type: 'apiKey', in: 'header', name: 'X-Mine' },
    });
  });

  it('gives each operation the alternatives of the backends its policy accepts', () => {
    expect(op('/api/account/status', 'get').security).toEqual([]);
    expect(op('/api/reports', 'get').security).toEqual(ALL_ALTERNATIVES);
    expect(op('/api/account/me', 'get').security).toEqual(ALL_ALTERNATIVES);
    expect(op('/api/account/password', 'put').security).toEqual([
      { jwt: [] },
      { 'jwt-cookie': [] },
    ]);
    expect(op('/api/account/notes', 'post').security).toEqual([{ session: [] }]);
    // Enforced, but the backend describes nothing: no requirement is invented for it.
    expect(op('/api/account/silent', 'get').security).toBeUndefined();
  });

  it('tells apart two controllers that share one handler', () => {
    expect(op('/api/open-items', 'get').security).toEqual([]);
    expect(op('/api/staff-items', 'get').security).toEqual([
      { apikey: [] },
      { 'apikey-authorization': [] },
    ]);
    expect(op('/api/open-items', 'get').responses['401']).toBeUndefined();
    expect(op('/api/staff-items', 'get').responses['401']).toBeDefined();
  });

  it('adds 401 with the challenge to protected operations, and 403 where one can happen', () => {
    const status = op('/api/account/status', 'get').responses;
    expect(Object.keys(status)).toEqual(['200']);

    const me = op('/api/account/me', 'get').responses;
    expect(Object.keys(me).sort()).toEqual(['200', '401']);
    expect(me['401']).toMatchObject({
      description: expect.stringContaining('Unauthorized'),
      headers: {
        'WWW-Authenticate': {
          schema: { example: 'Bearer realm="api", ApiKey realm="api"' },
        },
      },
      content: {
        'application/json': {
          schema: {
            properties: { statusCode: { example: 401 }, message: { example: 'Unauthorized' } },
          },
        },
      },
    });

    const list = op('/api/reports', 'get').responses;
    expect(Object.keys(list).sort()).toEqual(['200', '401', '403']);
    expect(list['403']).toMatchObject({ description: expect.stringContaining('permission') });

    // A write a cookie can authenticate may be refused for CSRF. Sessions name no scheme in
    // their challenge, so that 401 comes without one.
    const notes = op('/api/account/notes', 'post').responses;
    expect(Object.keys(notes).sort()).toEqual(['201', '401', '403']);
    expect(notes['401']).not.toHaveProperty('headers');
    expect(notes['403']).toMatchObject({ description: expect.stringContaining('CSRF') });

    const password = op('/api/account/password', 'put').responses;
    expect(password['403']).toMatchObject({ description: expect.stringContaining('fresh') });
  });

  it('keeps responses and descriptions the route documented itself', () => {
    const one = op('/api/reports/{id}', 'get');
    expect(one.responses['403']).toEqual({ description: 'Not your report.' });
    expect(one.responses['401']).toBeDefined();
    expect(one.description).toBe('One report.\n\nRequires the permission `reports:read`.');
  });

  it('notes required permissions and freshness in the description', () => {
    expect(op('/api/reports', 'get').description).toBe('Requires the permission `reports:read`.');
    expect(op('/api/reports', 'post').description).toBe(
      'Requires the permission `reports:read`. ' +
        'Requires one of the permissions `reports:write`, `users:manage`.',
    );
    expect(op('/api/account/password', 'put').description).toBe(
      'Requires a fresh credential (straight from a login, not from a refresh, at most 300 seconds old).',
    );
    expect(op('/api/account/me', 'get').description).toBeUndefined();
  });

  it('leaves no marker behind, in the document or on the routes', () => {
    expect(JSON.stringify(document)).not.toContain('gatehouse controller');
    expect(JSON.stringify(document)).not.toContain('gatehouse handler');
    for (const target of [
      ReportsController,
      ReportsController.prototype.list,
      OpenItemsController,
      ItemsBase.prototype.items,
    ]) {
      expect(Reflect.getMetadata(DECORATORS.API_SECURITY, target)).toBeUndefined();
    }
    // A second document is the same as the first.
    expect(
      createAuthDocument(running.app, new DocumentBuilder().setTitle('test').build()).paths,
    ).toEqual(document.paths);
  });

  it('says what the guard does: anonymous calls pass exactly where security is []', async () => {
    for (const [path, item] of Object.entries(document.paths)) {
      if (path.includes('{')) continue;
      for (const [method, operation] of Object.entries(item as Record<string, OperationObject>)) {
        const response = await running.send(path, { method: method.toUpperCase() });
        const open = Array.isArray(operation.security) && operation.security.length === 0;
        expect([path, method, response.status === 401]).toEqual([path, method, !open]);
      }
    }
  });
});

describe('createAuthDocument without AuthModule', () => {
  it('fails with a configuration error that says what to do', async () => {
    @Module({ controllers: [AccountController] })
    class Bare {}
    const running = await startApp('express', Bare);
    try {
      expect(() => createAuthDocument(running.app, new DocumentBuilder().build())).toThrow(
        AuthConfigurationError,
      );
    } finally {
      await running.close();
    }
  });
});

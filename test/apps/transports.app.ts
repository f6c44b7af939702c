import {
  Body,
  Controller,
  HttpCode,
  Injectable,
  Module,
  Post,
  Req,
  type DynamicModule,
  type ModuleMetadata,
  type Provider,
  type Type,
} from '@nestjs/common';
import {
  ApiKeyBackend,
  ApiKeyService,
  AuthEvents,
  AuthModule,
  Clock,
  InMemoryRevocationStore,
  JwtBackend,
  Public,
  RevocationStore,
  SessionBackend,
  SessionService,
  SimpleUser,
  TokenService,
  UserModel,
  type AuthEvent,
  type AuthModuleExtras,
  type AuthModuleOptions,
  type AuthRequest,
  type BaseUser,
  type RevocationSubject,
} from 'nestjs-gatehouse';
import { FakeClock } from 'nestjs-gatehouse/testing';

/**
 * What the GraphQL, WebSocket and RPC specs share: real JWT, session and API-key backends, a
 * user directory that can disable users, a revocation store that can go down, a fake clock, and
 * public HTTP routes that hand out credentials.
 */

export const TRANSPORT_SESSION_SECRET = 'transport-session-secret-0123456789-abcdefgh';
export const TRANSPORT_JWT_SECRET = 'transport-jwt-secret-0123456789-abcdefghijklmno';

export const transportRoles = {
  user: { permissions: ['reports:read'] },
  moderator: { inherits: ['user'], permissions: ['reports:write'] },
  admin: { inherits: ['moderator'], permissions: ['reports:delete'] },
};

/** alice is an admin, bob a user, carol a moderator, dave has no role at all. */
@Injectable()
export class Directory {
  readonly disabled = new Set<string>();
  private readonly users = new Map<string, SimpleUser>([
    ['alice', new SimpleUser({ identity: 'alice', roles: ['admin'] })],
    ['bob', new SimpleUser({ identity: 'bob', roles: ['user'] })],
    ['carol', new SimpleUser({ identity: 'carol', roles: ['moderator'] })],
    ['dave', new SimpleUser({ identity: 'dave' })],
  ]);

  find(identity: string): SimpleUser | null {
    return this.disabled.has(identity) ? null : (this.users.get(identity) ?? null);
  }
}

@Injectable()
export class DirectoryUsers extends UserModel {
  constructor(private readonly directory: Directory) {
    super();
  }

  async loadUser(identity: string): Promise<BaseUser | null> {
    return this.directory.find(identity);
  }
}

/** The in-memory store, switched off on demand: its reads then fail as a Redis outage would. */
@Injectable()
export class SwitchableRevocationStore extends InMemoryRevocationStore {
  down = false;

  override async isRevoked(token: RevocationSubject): Promise<boolean> {
    if (this.down) throw new Error('connect ECONNREFUSED 10.0.0.9:6379');
    return super.isRevoked(token);
  }
}

/** Keeps every event. */
@Injectable()
export class TransportEvents extends AuthEvents {
  readonly events: AuthEvent[] = [];
  emit(event: AuthEvent): void {
    this.events.push(event);
  }
}

/** The clock of every transport app: it only moves when a spec says so. */
export const transportClock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));

/** Public routes that hand out credentials, and one that revokes all of a user's. */
@Public()
@Controller('credentials')
export class CredentialsController {
  constructor(
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly keys: ApiKeyService,
  ) {}

  @Post('jwt')
  @HttpCode(200)
  async jwt(@Body() body: { username: string }) {
    const pair = await this.tokens.issuePair(body.username);
    return { token: pair.access_token };
  }

  @Post('session')
  @HttpCode(200)
  async session(@Req() req: AuthRequest, @Body() body: { username: string }) {
    const result = await this.sessions.login(req, body.username);
    return { csrf: result.csrfToken };
  }

  @Post('key')
  @HttpCode(200)
  async key(@Body() body: { username: string; scopes?: string[] }) {
    const created = await this.keys.create({
      owner: body.username,
      name: 'test',
      scopes: body.scopes,
    });
    return { key: created.key, id: created.record.id };
  }

  @Post('revoke')
  @HttpCode(204)
  async revoke(@Body() body: { username: string; keyId?: string }) {
    await this.tokens.revokeAllForUser(body.username);
    await this.sessions.revokeAllSessions(body.username);
    if (body.keyId) await this.keys.revoke(body.keyId);
  }
}

/** How a transport app is put together. */
export interface TransportAppParts {
  readonly imports?: ModuleMetadata['imports'];
  readonly controllers?: Type<unknown>[];
  readonly providers?: Provider[];
  readonly options?: Partial<AuthModuleOptions>;
  readonly extras?: Partial<Pick<AuthModuleExtras, 'transports' | 'globalGuard'>>;
}

/** The app module: the auth setup above plus the transport's own parts. */
export function transportApp(parts: TransportAppParts = {}): Type<unknown> {
  @Module({})
  class TransportAppModule {
    static parts(): DynamicModule {
      return {
        module: TransportAppModule,
        imports: [
          AuthModule.forRoot({
            backends: [JwtBackend, SessionBackend, ApiKeyBackend],
            userModel: DirectoryUsers,
            events: TransportEvents,
            roles: transportRoles,
            jwt: {
              algorithms: ['HS256'],
              secret: TRANSPORT_JWT_SECRET,
              issuer: 'api',
              audience: 'api',
            },
            session: { secret: TRANSPORT_SESSION_SECRET, secure: false },
            ...parts.options,
            ...parts.extras,
            providers: [
              Directory,
              { provide: Clock, useValue: transportClock },
              { provide: RevocationStore, useClass: SwitchableRevocationStore },
            ],
          }),
          ...(parts.imports ?? []),
        ],
        controllers: [CredentialsController, ...(parts.controllers ?? [])],
        providers: parts.providers ?? [],
      };
    }
  }
  @Module({ imports: [TransportAppModule.parts()] })
  class AppModule {}
  return AppModule;
}

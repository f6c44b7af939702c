import {
  Body,
  Controller,
  All,
  Delete,
  Get,
  HttpCode,
  Injectable,
  Module,
  NotFoundException,
  Param,
  Patch,
  Post,
  Put,
  Req,
  Res,
  type Provider,
  type Type,
} from '@nestjs/common';
import {
  AuthenticationFailedError,
  AuthModule,
  configureSessions,
  CurrentAuth,
  CurrentUser,
  Public,
  SessionBackend,
  SessionService,
  SimpleUser,
  UserModel,
  type AuthInfo,
  type AuthRequest,
  type BaseUser,
  type SessionOptions,
} from 'nestjs-gatehouse';
import { startApp, type AdapterName, type RunningApp } from '../support/http-app.js';

export const SESSION_SECRET = 'test-session-secret-0123456789-abcdefghijklmnop';

const accounts: Record<string, { password: string; user: SimpleUser }> = {
  alice: { password: 'alice-pass', user: new SimpleUser({ identity: 'alice', roles: ['admin'] }) },
  bob: { password: 'bob-pass', user: new SimpleUser({ identity: 'bob', roles: ['user'] }) },
};

@Injectable()
export class SessionUsers extends UserModel {
  async loadUser(identity: string): Promise<BaseUser | null> {
    return accounts[identity]?.user ?? null;
  }
}

/** State that CSRF-protected writes change, so specs can prove a refused write changed nothing. */
@Injectable()
export class Notes {
  readonly items: string[] = [];
}

interface LoginBody {
  username?: string;
  password?: string;
}

@Controller()
export class SessionController {
  constructor(
    private readonly sessions: SessionService,
    private readonly notes: Notes,
  ) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  async login(@Req() req: AuthRequest, @Body() body: LoginBody) {
    const account = accounts[body?.username ?? ''];
    if (!account || account.password !== body?.password) {
      throw new AuthenticationFailedError('CREDENTIAL_INVALID', { detail: 'bad credentials' });
    }
    const result = await this.sessions.login(req, account.user);
    return { id: account.user.identity, csrf_token: result.csrfToken, session: result.sessionId };
  }

  @Post('auth/logout')
  @HttpCode(204)
  async logout(@Req() req: AuthRequest) {
    await this.sessions.logout(req);
  }

  @Post('auth/logout-all')
  @HttpCode(200)
  async logoutAll(@CurrentUser() user: BaseUser) {
    return { revoked: await this.sessions.revokeAllSessions(user.identity) };
  }

  @Post('auth/logout-others')
  @HttpCode(200)
  async logoutOthers(@CurrentUser() user: BaseUser, @Req() req: AuthRequest) {
    return { revoked: await this.sessions.revokeAllSessions(user.identity, { except: req }) };
  }

  @Get('auth/sessions')
  async list(@CurrentUser() user: BaseUser, @Req() req: AuthRequest) {
    const sessions = await this.sessions.listSessions(user.identity, req);
    return sessions.map((s) => ({
      id: s.id,
      created_at: s.createdAt,
      last_used_at: s.lastUsedAt,
      user_agent: s.userAgent,
      ip: s.ip,
      current: s.current,
    }));
  }

  @Delete('auth/sessions/:id')
  @HttpCode(204)
  async revoke(@CurrentUser() user: BaseUser, @Param('id') id: string) {
    if (!(await this.sessions.revokeSession(user.identity, id))) throw new NotFoundException();
  }

  @Get('me')
  me(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo) {
    return { identity: user.identity, auth: auth.backend, fresh: auth.fresh === true };
  }

  @Public()
  @Get('public/whoami')
  whoami(@CurrentUser() user: BaseUser) {
    return { identity: user.identity, authenticated: user.isAuthenticated };
  }

  @Public()
  @Post('public/echo')
  @HttpCode(200)
  echo(@CurrentUser() user: BaseUser) {
    return { identity: user.identity, authenticated: user.isAuthenticated };
  }

  /** An anonymous visitor's session data, so a pre-login session id exists. */
  @Public()
  @Post('public/visit')
  @HttpCode(200)
  visit(@Req() req: AuthRequest & { session?: Record<string, unknown> }) {
    const session = req.session!;
    session.visits = ((session.visits as number | undefined) ?? 0) + 1;
    return { visits: session.visits };
  }

  /** Whether the `end` callback of `public/visit-raw` ran (Express: the raw response). */
  static endCallbackRan = false;

  /**
   * Express only: a handler that ends the raw response itself, as `?how` says: `twice` (two
   * `end` calls), `callback` (an `end` with a callback), `bad` (an `end` that throws on its
   * argument, caught by the handler). It also sets a CORS header, as a middleware would.
   */
  @Public()
  @Post('public/visit-raw')
  visitRaw(
    @Req() req: AuthRequest & { session?: Record<string, unknown>; query?: { how?: string } },
    @Res()
    res: {
      statusCode: number;
      setHeader(name: string, value: string): void;
      end(...args: unknown[]): void;
    },
  ) {
    const session = req.session!;
    session.visits = ((session.visits as number | undefined) ?? 0) + 1;
    res.setHeader('access-control-allow-origin', 'https://app.example');
    const how = req.query?.how;
    if (how === 'twice') {
      res.end('first');
      res.end('second');
    } else if (how === 'callback') {
      SessionController.endCallbackRan = false;
      res.end('with callback', () => (SessionController.endCallbackRan = true));
    } else {
      try {
        res.end(12345);
      } catch {
        res.statusCode = 500;
        res.end('caught');
      }
    }
  }

  @Get('notes')
  list_() {
    return this.notes.items;
  }

  @Post('notes')
  add(@Body() body: { text: string }) {
    this.notes.items.push(body.text);
    return this.notes.items;
  }

  @Put('notes')
  replace(@Body() body: { text: string }) {
    this.notes.items.splice(0, this.notes.items.length, body.text);
    return this.notes.items;
  }

  @Patch('notes')
  append(@Body() body: { text: string }) {
    this.notes.items.push(`${body.text}!`);
    return this.notes.items;
  }

  @Delete('notes')
  @HttpCode(204)
  clear() {
    this.notes.items.length = 0;
  }

  /** Any method at all, as WebDAV-style or catch-all handlers receive. */
  @All('notes/any')
  any(@Req() request: { method: string }) {
    this.notes.items.push(`via ${request.method}`);
    return this.notes.items;
  }
}

export const testSessionOptions: SessionOptions = {
  secret: SESSION_SECRET,
  // Plain-HTTP tests: the Secure attribute is tested with its own app.
  secure: false,
  idleTimeoutSeconds: 600,
  absoluteTimeoutSeconds: 3600,
  trustedOrigins: ['https://app.example.com'],
};

/** The session test app, with its session options and extra providers (a FakeClock, a store…). */
export function sessionApp(
  session: Partial<SessionOptions> = {},
  providers: Provider[] = [],
): Type<unknown> {
  @Module({
    imports: [
      AuthModule.forRoot({
        backends: [SessionBackend],
        userModel: SessionUsers,
        roles: { admin: { permissions: ['notes:write'] }, user: {} },
        session: { ...testSessionOptions, ...session },
        providers,
      }),
    ],
    controllers: [SessionController],
    providers: [Notes],
  })
  class SessionAppModule {}
  return SessionAppModule;
}

/** Starts the session test app on `adapter`, with `configureSessions` applied as main.ts would. */
export function startSessionApp(
  adapter: AdapterName,
  session: Partial<SessionOptions> = {},
  providers: Provider[] = [],
): Promise<RunningApp> {
  return startApp(
    adapter,
    sessionApp(session, providers),
    (b) => b,
    (a) => configureSessions(a),
  );
}

import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiNoContentResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import {
  Auth,
  CurrentAuth,
  CurrentUser,
  LoginThrottle,
  SessionService,
  type AuthInfo,
  type AuthRequest,
} from 'nestjs-gatehouse';
import { PersonOnly } from '../common/person-only.js';
import { CredentialsService } from '../login/credentials.service.js';
import { AppUser } from '../users/app-user.js';
import { CredentialRevoker } from './credential-revoker.service.js';
import { LoginDto } from './dto/login.dto.js';
import { LoginsRepository } from './logins.repository.js';
import { LoginRoute } from './login-route.decorator.js';

/** One way the user is logged in: a cookie session or a JWT login (refresh family). */
export interface SessionView {
  id: string;
  kind: 'session' | 'refresh';
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  ip: string | null;
  current: boolean;
}

/** Cookie-session login and logout, and the list of the caller's sessions and logins. */
@ApiTags('sessions')
@Controller('auth')
export class SessionAuthController {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly sessions: SessionService,
    private readonly logins: LoginsRepository,
    private readonly revoker: CredentialRevoker,
    private readonly throttle: LoginThrottle,
  ) {}

  /**
   * Checks the password and starts a cookie session (always with a new id). The CSRF token in
   * the body must come back in `X-CSRF-Token` on every POST, PUT, PATCH and DELETE. The
   * `__Host-device` cookie gives this browser a login budget of its own for the account.
   */
  @LoginRoute(
    'session/login',
    '{ id, username, csrf_token }, the session cookie and the device cookie',
    'session',
  )
  async login(
    @Body() body: LoginDto,
    @Req() request: AuthRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<{ id: string; username: string; csrf_token: string }> {
    const { user, deviceToken } = await this.credentials.verify(
      body.username,
      body.password,
      request,
      'session',
      { response, deviceToken: body.device_token },
    );
    const { csrfToken } = await this.sessions.login(request, new AppUser(user));
    this.throttle.setDeviceCookie(response, deviceToken);
    return { id: user.id, username: user.username, csrf_token: csrfToken };
  }

  /** Destroys the session on the server. */
  @ApiNoContentResponse()
  @Auth('session')
  @Post('session/logout')
  @HttpCode(204)
  async logout(@Req() request: AuthRequest): Promise<void> {
    await this.sessions.logout(request);
  }

  /** The caller's cookie sessions and JWT logins. */
  @PersonOnly()
  @Get('sessions')
  async list(
    @CurrentUser() user: AppUser,
    @CurrentAuth() auth: AuthInfo,
    @Req() request: AuthRequest,
  ): Promise<SessionView[]> {
    const sessions = await this.sessions.listSessions(user.identity, request);
    const family = auth.backend === 'jwt' ? auth.claims?.fam : undefined;
    return [
      ...sessions.map((s): SessionView => ({
        id: s.id,
        kind: 'session',
        created_at: iso(s.createdAt),
        last_used_at: iso(s.lastUsedAt),
        user_agent: s.userAgent,
        ip: s.ip,
        current: s.current,
      })),
      ...this.logins.active(user.identity).map((l): SessionView => ({
        id: l.id,
        kind: 'refresh',
        created_at: iso(l.createdAt),
        last_used_at: iso(l.lastUsedAt),
        user_agent: l.userAgent,
        ip: l.ip,
        current: l.id === family,
      })),
    ].sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** Ends one of the caller's sessions or JWT logins. */
  @PersonOnly()
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  @Delete('sessions/:id')
  @HttpCode(204)
  async revoke(@Param('id') id: string, @CurrentUser() user: AppUser): Promise<void> {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw new NotFoundException();
    if (this.logins.findActive(user.identity, id)) {
      await this.revoker.revokeLogin(user.identity, id);
      return;
    }
    if (!(await this.sessions.revokeSession(user.identity, id))) throw new NotFoundException();
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Injectable,
  Module,
  Post,
  Req,
  Res,
  type Provider,
  type Type,
} from '@nestjs/common';
import {
  Auth,
  AuthModule,
  CurrentAuth,
  CurrentUser,
  HasPermission,
  JwtBackend,
  PermissionDeniedError,
  Public,
  SimpleUser,
  TokenCookies,
  TokenService,
  UserModel,
  type AuthBackendType,
  type AuthInfo,
  type AuthRequest,
  type BaseUser,
  type JwtOptions,
} from 'nestjs-gatehouse';
import { RecordingEvents } from '../support/recording-events.js';

/** Every identity is a user with the `user` role, except `ghost`, who does not exist. */
@Injectable()
export class JwtUsers extends UserModel {
  async loadUser(identity: string): Promise<BaseUser | null> {
    return identity === 'ghost' ? null : new SimpleUser({ identity, roles: ['user'] });
  }
}

interface LoginBody {
  username: string;
  scopes?: string[];
  claims?: Record<string, unknown>;
}

@Controller()
export class JwtController {
  constructor(
    private readonly tokens: TokenService,
    private readonly cookies: TokenCookies,
  ) {}

  @Get('me')
  me(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo) {
    return {
      identity: user.identity,
      auth: auth.backend,
      fresh: auth.fresh,
      jti: auth.credentialId,
      claims: auth.claims,
      permissions: [...auth.permissions].sort(),
    };
  }

  @Post('write')
  @HttpCode(200)
  write() {
    return { written: true };
  }

  @Delete('write')
  remove() {
    return { removed: true };
  }

  @HasPermission('reports:write')
  @Post('reports')
  @HttpCode(200)
  report() {
    return { reported: true };
  }

  @Auth({ fresh: true })
  @Post('fresh')
  @HttpCode(200)
  fresh() {
    return { fresh: true };
  }

  @Auth({ fresh: true, freshWithinSeconds: 300 })
  @Post('fresh-window')
  @HttpCode(200)
  freshWindow() {
    return { fresh: true };
  }

  @Public()
  @Get('public')
  open(@CurrentUser() user: BaseUser) {
    return { identity: user.identity || null };
  }

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  login(@Body() body: LoginBody, @Req() request: AuthRequest) {
    this.tokens.assertLoginOrigin(request);
    return this.tokens.issuePair(body.username, { scopes: body.scopes, claims: body.claims });
  }

  @Public()
  @Post('auth/login-cookie')
  @HttpCode(200)
  async loginCookie(
    @Body() body: LoginBody,
    @Req() request: AuthRequest,
    @Res({ passthrough: true }) response: unknown,
  ) {
    this.tokens.assertLoginOrigin(request);
    const pair = await this.tokens.issuePair(body.username);
    return { csrf_token: this.cookies.set(response, pair) };
  }

  /** A token from `createJwt`, for the application's own uses (a link in a mail, say). */
  @Public()
  @Post('auth/custom-token')
  @HttpCode(200)
  async customToken(@Body() body: { username: string; purpose?: string }) {
    return { token: await this.tokens.createJwt({ sub: body.username, purpose: body.purpose }) };
  }

  @Public()
  @Post('auth/refresh')
  @HttpCode(200)
  refresh(@Body() body: { refresh_token?: string }) {
    return this.tokens.refresh(body.refresh_token ?? '');
  }

  @Public()
  @Post('auth/refresh-cookie')
  @HttpCode(204)
  async refreshCookie(@Req() request: AuthRequest, @Res({ passthrough: true }) response: unknown) {
    if (!this.cookies.csrfMatches(request)) throw new PermissionDeniedError('CSRF_TOKEN_INVALID');
    this.cookies.set(response, await this.tokens.refresh(this.cookies.refreshToken(request) ?? ''));
  }

  @Post('auth/logout')
  @HttpCode(204)
  async logout(
    @CurrentAuth() auth: AuthInfo,
    @Body() body: { refresh_token?: string } | undefined,
    @Res({ passthrough: true }) response: unknown,
  ) {
    await this.tokens.logout(auth, body?.refresh_token);
    this.cookies.clear(response);
  }

  @Post('auth/logout-all')
  @HttpCode(204)
  async logoutAll(@CurrentUser() user: BaseUser) {
    await this.tokens.revokeAllForUser(user.identity);
  }

  /** "Log out the other devices": every login of the user but the current one. */
  @Post('auth/logout-others')
  @HttpCode(204)
  async logoutOthers(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo) {
    await this.tokens.revokeAllForUser(user.identity, { except: auth });
  }

  /** Revokes the current credential alone, as `TokenService.revoke` allows. */
  @Post('auth/revoke')
  @HttpCode(204)
  async revoke(@CurrentAuth() auth: AuthInfo) {
    await this.tokens.revoke(auth);
  }

  @Public()
  @Get('.well-known/jwks.json')
  jwks() {
    return this.tokens.jwks();
  }
}

/**
 * A module with the JWT backend configured by `jwt`, plus `providers` (say, another store) and
 * `backends` tried after it.
 */
export function jwtAppModule(
  jwt: JwtOptions,
  providers: Provider[] = [],
  backends: AuthBackendType[] = [],
): Type<unknown> {
  @Module({
    imports: [
      AuthModule.forRoot({
        backends: [JwtBackend, ...backends],
        userModel: JwtUsers,
        events: RecordingEvents,
        roles: { user: { permissions: ['reports:read', 'reports:write'] } },
        jwt,
        providers,
      }),
    ],
    controllers: [JwtController],
  })
  class JwtAppModule {}
  return JwtAppModule;
}

import { Body, Controller, Get, HttpCode, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  Auth,
  CurrentAuth,
  CurrentUser,
  Public,
  TokenService,
  type AuthInfo,
  type AuthRequest,
  type TokenPair,
} from 'nestjs-gatehouse';
import { NoStoreInterceptor } from '../common/no-store.interceptor.js';
import { PersonOnly } from '../common/person-only.js';
import { CredentialsService } from '../login/credentials.service.js';
import type { AppUser } from '../users/app-user.js';
import { AccountsService } from '../users/accounts.service.js';
import { CredentialRevoker } from './credential-revoker.service.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { LogoutDto, RefreshDto } from './dto/refresh.dto.js';
import { LoginsRepository } from './logins.repository.js';
import { LoginRoute } from './login-route.decorator.js';

/** JWT logins: tokens, refresh with rotation, logout, and the password change. */
@ApiTags('auth')
@Controller('auth')
export class TokenAuthController {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly tokens: TokenService,
    private readonly logins: LoginsRepository,
    private readonly accounts: AccountsService,
    private readonly revoker: CredentialRevoker,
  ) {}

  /**
   * Checks the password and issues a fresh access token and a refresh token, with a device
   * token: sent back as `device_token` in later login bodies, it gives this client a login budget
   * of its own for the account.
   */
  @LoginRoute('login', 'A token pair (the access token is fresh) and a device token', 'jwt')
  async login(
    @Body() body: LoginDto,
    @Req() request: AuthRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<TokenPair & { device_token: string }> {
    const { user, deviceToken } = await this.credentials.verify(
      body.username,
      body.password,
      request,
      'jwt',
      { response, deviceToken: body.device_token },
    );
    const pair = await this.tokens.issuePair(user.id, { claims: { username: user.username } });
    this.logins.record({
      family: pair.family,
      userId: user.id,
      expiresAt: pair.refreshExpiresAt,
      userAgent: header(request, 'user-agent'),
      ip: request.ip,
    });
    // The pair's `family` and `refreshExpiresAt` are not enumerable, so they stay out.
    return { ...pair, device_token: deviceToken };
  }

  /** Rotates the refresh token. Replaying a spent one revokes the whole login. */
  @ApiOkResponse({ description: 'A new pair; the access token is not fresh' })
  @ApiUnauthorizedResponse()
  @Public()
  @UseInterceptors(NoStoreInterceptor)
  @Post('refresh')
  @HttpCode(200)
  async refresh(@Body() body: RefreshDto): Promise<TokenPair> {
    const pair = await this.tokens.refresh(body.refresh_token);
    this.logins.touch(pair.family, pair.refreshExpiresAt);
    return pair;
  }

  /** Revokes this access token and its login (and the given refresh token's login). */
  @ApiNoContentResponse()
  @Auth('jwt')
  @Post('logout')
  @HttpCode(204)
  async logout(@Body() body: LogoutDto, @CurrentAuth() auth: AuthInfo): Promise<void> {
    await this.tokens.logout(auth, body.refresh_token);
    const family = auth.claims?.fam;
    if (typeof family === 'string') this.logins.end(family);
  }

  /** Every token and session of the caller stops working, on every instance. */
  @PersonOnly()
  @ApiNoContentResponse()
  @Post('logout-all')
  @HttpCode(204)
  async logoutAll(@CurrentUser() user: AppUser): Promise<void> {
    await this.revoker.revokeLogins(user.identity);
  }

  /**
   * Needs a fresh login: a JWT straight from a login, or a session logged in within 5 minutes.
   * Every other login and session ends, and every API key unless the body says
   * `keep_api_keys: true`.
   *
   * They are revoked before the new password is stored: when the revocation fails (503, e.g.
   * Redis is down), nothing has changed yet, the old password still works and the client can try
   * again; revoking twice is harmless. Stored first, a failure would leave the old logins alive
   * after a change that did happen.
   */
  @PersonOnly({ fresh: true })
  @ApiNoContentResponse()
  @ApiBadRequestResponse()
  @Post('password/change')
  @HttpCode(204)
  async changePassword(
    @Body() body: ChangePasswordDto,
    @CurrentUser() user: AppUser,
    @CurrentAuth() auth: AuthInfo,
    @Req() request: AuthRequest,
  ): Promise<void> {
    const record = await this.credentials.verifyCurrentPassword(
      user.record,
      body.current_password,
      request,
    );
    // A refused password (400) is told before anything is revoked.
    const passwordHash = await this.accounts.newPasswordHash(record, body.new_password);
    await this.revoker.revokeLoginsExcept(user.identity, auth, request);
    if (body.keep_api_keys !== true) await this.revoker.revokeApiKeys(user.identity);
    this.accounts.storePasswordHash(record.id, passwordHash);
  }
}

/** The public keys that verify this app's tokens, for other services. */
@ApiTags('health')
@Public()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly tokens: TokenService) {}

  @ApiOkResponse({ description: 'A JWKS; `keys` is empty under HS256' })
  @Get('jwks.json')
  jwks() {
    return this.tokens.jwks();
  }
}

function header(request: AuthRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

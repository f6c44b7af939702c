import { Body, Controller, Get, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentAuth, CurrentUser, Public, type AuthInfo } from 'nestjs-gatehouse';
import { AccountsService } from './accounts.service.js';
import { publicUser, type AppUser } from './app-user.js';
import { RegisterDto } from './dto/register.dto.js';

/** The caller's own account. */
export interface MeView {
  id: string;
  username: string;
  email: string | null;
  roles: string[];
  permissions: string[];
  auth: string;
}

/** Registration and the caller's own account (under `/auth`, next to the logins). */
@ApiTags('auth')
@Controller('auth')
export class AccountController {
  constructor(private readonly accounts: AccountsService) {}

  @ApiCreatedResponse({ description: 'The new account, with the `user` role' })
  @ApiBadRequestResponse({ description: 'Invalid input, or a password the policy refuses' })
  @ApiConflictResponse({ description: 'Username or email already registered' })
  @Public()
  @Post('register')
  async register(@Body() body: RegisterDto): Promise<ReturnType<typeof publicUser>> {
    return publicUser(await this.accounts.register(body));
  }

  @Get('me')
  me(@CurrentUser() user: AppUser, @CurrentAuth() auth: AuthInfo): MeView {
    return meView(user, auth);
  }
}

/** The caller's own account, as `GET /auth/me`, the GraphQL `me` and the WebSocket `whoami` show it. */
export function meView(user: AppUser, auth: AuthInfo): MeView {
  return {
    ...publicUser(user.record),
    permissions: [...auth.permissions].sort(),
    auth: auth.backend,
  };
}

import { Body, Controller, HttpCode, Patch, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, Public, type AuthRequest } from 'nestjs-gatehouse';
import { PersonOnly } from '../common/person-only.js';
import { AppUser, publicUser } from '../users/app-user.js';
import { ChangeEmailDto, ConfirmEmailDto } from './email-change.dto.js';
import { EmailChangeService } from './email-change.service.js';

/** Changing the caller's email: asked for with the password, applied from the new address. */
@ApiTags('auth')
@Controller('auth')
export class EmailChangeController {
  constructor(private readonly changes: EmailChangeService) {}

  /**
   * Asks to change the caller's email to `email`; every other field, `roles` included, is
   * ignored. Needs a fresh login and the current password. Nothing changes yet: the token to
   * confirm goes to the new address, and a notice to the old one.
   */
  @PersonOnly({ fresh: true })
  @ApiAcceptedResponse({ description: '`{ pending_email }`: the confirmation mail is sent' })
  @ApiBadRequestResponse({ description: 'Invalid input, or no current password' })
  @ApiConflictResponse({ description: 'Another account has this email' })
  @Patch('me')
  @HttpCode(202)
  async change(
    @Body() body: ChangeEmailDto,
    @CurrentUser() user: AppUser,
    @Req() request: AuthRequest,
  ): Promise<{ pending_email: string }> {
    const pending = await this.changes.request(
      user.record,
      body.email,
      body.current_password,
      request,
    );
    return { pending_email: pending };
  }

  /** Applies the change with the token from the confirmation mail. */
  @ApiOkResponse({ description: 'The user, with the new email' })
  @ApiBadRequestResponse()
  @ApiUnauthorizedResponse({ description: 'Bad, used or expired token' })
  @ApiConflictResponse({ description: 'Another account has taken the email meanwhile' })
  @Public()
  @Post('email/confirm')
  @HttpCode(200)
  confirm(
    @Body() body: ConfirmEmailDto,
    @Req() request: AuthRequest,
  ): ReturnType<typeof publicUser> {
    return publicUser(this.changes.confirm(body.token, request.ip));
  }
}

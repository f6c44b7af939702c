import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Public, type AuthRequest } from 'nestjs-gatehouse';
import { PasswordResetConfirmDto, PasswordResetRequestDto } from './password-reset.dto.js';
import { responseSent } from '../common/background-work.js';
import { PasswordResetService } from './password-reset.service.js';

/** Password reset by mail: ask for a token, then spend it with a new password. */
@ApiTags('auth')
@Public()
@Controller('auth/password-reset')
export class PasswordResetController {
  constructor(private readonly resets: PasswordResetService) {}

  /**
   * Always 202, at once, so the answer does not tell whether the account exists: the lookup and
   * the mail happen after it has been sent.
   */
  @ApiAcceptedResponse()
  @ApiBadRequestResponse()
  @Post('request')
  @HttpCode(202)
  request(
    @Body() body: PasswordResetRequestDto,
    @Req() request: AuthRequest,
    @Res({ passthrough: true }) response: unknown,
  ): void {
    this.resets.request(body.email, request.ip, responseSent(response));
  }

  /** Revokes every token, session and API key of the user, then sets the new password. */
  @ApiNoContentResponse()
  @ApiBadRequestResponse()
  @ApiUnauthorizedResponse({ description: 'Bad, used or expired token' })
  @Post('confirm')
  @HttpCode(204)
  async confirm(@Body() body: PasswordResetConfirmDto, @Req() request: AuthRequest): Promise<void> {
    await this.resets.confirm(body.token, body.new_password, request.ip);
  }
}

import { Module } from '@nestjs/common';
import { ClockModule } from '../common/clock.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { CredentialsModule } from '../login/credentials.module.js';
import { MailModule } from '../mail/mail.module.js';
import { UsersModule } from '../users/users.module.js';
import { EmailChangeController } from './email-change.controller.js';
import { EmailChangeService } from './email-change.service.js';
import { EmailChangeTokens } from './email-change-tokens.js';

/**
 * Changing the account email with a mailed confirmation (`PATCH /auth/me`,
 * `POST /auth/email/confirm`). It exports the pending changes, which the login module voids
 * whenever it ends a user's logins.
 */
@Module({
  imports: [DatabaseModule, UsersModule, CredentialsModule, MailModule, ClockModule],
  controllers: [EmailChangeController],
  providers: [EmailChangeService, EmailChangeTokens],
  exports: [EmailChangeTokens],
})
export class EmailChangeModule {}

import { Module } from '@nestjs/common';
import { LoginModule } from '../auth/login.module.js';
import { BackgroundWork } from '../common/background-work.js';
import { ClockModule } from '../common/clock.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { MailModule } from '../mail/mail.module.js';
import { UsersModule } from '../users/users.module.js';
import { PasswordResetController } from './password-reset.controller.js';
import { PasswordResetService } from './password-reset.service.js';

/**
 * Password reset by mail. Its mail goes out in the background; this module imports the database
 * and mail modules, so Nest shuts it down (waiting for that work) before it closes them.
 */
@Module({
  imports: [DatabaseModule, UsersModule, MailModule, LoginModule, ClockModule],
  controllers: [PasswordResetController],
  providers: [PasswordResetService, BackgroundWork],
})
export class PasswordResetModule {}

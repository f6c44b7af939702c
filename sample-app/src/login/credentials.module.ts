import { Module } from '@nestjs/common';
import { PasswordsModule } from '../passwords/passwords.module.js';
import { UsersModule } from '../users/users.module.js';
import { CredentialsService } from './credentials.service.js';

/**
 * The password check of both logins, throttled by the library's `LoginThrottle` (AuthModule
 * provides it, with its store in Redis when `REDIS_URL` is set, else in memory).
 */
@Module({
  imports: [UsersModule, PasswordsModule],
  providers: [CredentialsService],
  exports: [CredentialsService],
})
export class CredentialsModule {}

import { Module } from '@nestjs/common';
import { ClockModule } from '../common/clock.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { EmailChangeModule } from '../email-change/email-change.module.js';
import { CredentialsModule } from '../login/credentials.module.js';
import { UsersModule } from '../users/users.module.js';
import { CredentialRevoker } from './credential-revoker.service.js';
import { LoginsRepository } from './logins.repository.js';
import { SessionAuthController } from './session-auth.controller.js';
import { JwksController, TokenAuthController } from './token-auth.controller.js';

/**
 * Logging in and out: JWT logins (tokens, refresh, logout, password change, the JWKS) and
 * cookie sessions, the list of the caller's logins, and the {@link CredentialRevoker} that the
 * admin and password-reset modules use to end a user's logins.
 */
@Module({
  imports: [CredentialsModule, UsersModule, DatabaseModule, ClockModule, EmailChangeModule],
  controllers: [TokenAuthController, JwksController, SessionAuthController],
  providers: [CredentialRevoker, LoginsRepository],
  exports: [CredentialRevoker],
})
export class LoginModule {}

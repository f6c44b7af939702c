import { Module } from '@nestjs/common';
import { ClockModule } from '../common/clock.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { PasswordsModule } from '../passwords/passwords.module.js';
import { AccountController } from './account.controller.js';
import { AccountsService } from './accounts.service.js';
import { LinkedAccountsService } from './linked-accounts.service.js';
import { SqliteUserModel } from './sqlite-user.model.js';
import { UsersRepository } from './users.repository.js';

/**
 * Accounts: the `users` table, registration and the caller's own account, the first admin from
 * `ADMIN_*`, and the library's `UserModel` (AuthModule imports this module for it).
 */
@Module({
  imports: [DatabaseModule, ClockModule, PasswordsModule],
  controllers: [AccountController],
  providers: [UsersRepository, AccountsService, LinkedAccountsService, SqliteUserModel],
  exports: [UsersRepository, AccountsService, SqliteUserModel],
})
export class UsersModule {}

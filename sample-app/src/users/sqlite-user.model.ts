import { Injectable } from '@nestjs/common';
import { UserModel, type UserLoadContext } from 'nestjs-gatehouse';
import { AppUser } from './app-user.js';
import { LinkedAccountsService } from './linked-accounts.service.js';
import { UsersRepository } from './users.repository.js';

/**
 * Loads the caller from SQLite on every request, so a role change or a disabled account takes
 * effect at once. An outside provider's token (it names its issuer) is looked up by issuer and
 * subject, never by the subject alone, which could equal a local id; its account is created on
 * first sight. A database failure throws, and the guard answers 503.
 */
@Injectable()
export class SqliteUserModel extends UserModel<AppUser> {
  constructor(
    private readonly users: UsersRepository,
    private readonly linked: LinkedAccountsService,
  ) {
    super();
  }

  async loadUser(identity: string, { result }: UserLoadContext): Promise<AppUser | null> {
    const record =
      result.issuer === undefined
        ? this.users.findById(identity)
        : this.linked.accountFor({ ...result, issuer: result.issuer });
    return record && !record.disabled ? new AppUser(record) : null;
  }
}

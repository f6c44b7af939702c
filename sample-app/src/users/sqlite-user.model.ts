import { Injectable } from '@nestjs/common';
import { UserModel } from 'nestjs-gatehouse';
import { AppUser } from './app-user.js';
import { UsersRepository } from './users.repository.js';

/**
 * Loads the caller from SQLite on every request, so a role change or a disabled account takes
 * effect at once. A database failure throws, and the guard answers 503.
 */
@Injectable()
export class SqliteUserModel extends UserModel<AppUser> {
  constructor(private readonly users: UsersRepository) {
    super();
  }

  async loadUser(identity: string): Promise<AppUser | null> {
    const record = this.users.findById(identity);
    return record && !record.disabled ? new AppUser(record) : null;
  }
}

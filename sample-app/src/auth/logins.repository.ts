import { Injectable } from '@nestjs/common';
import { Clock } from 'nestjs-gatehouse';
import { SqliteDatabase } from '../database/sqlite.database.js';

/** One JWT login (a refresh-token family), as `GET /auth/sessions` lists it. */
export interface LoginRecord {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  readonly expiresAt: number;
  readonly userAgent: string | null;
  readonly ip: string | null;
}

interface LoginRow {
  id: string;
  user_id: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  user_agent: string | null;
  ip: string | null;
}

/**
 * The JWT logins of each user (one row per refresh-token family), so users can see and end
 * them. Bookkeeping only: whether a token works is decided by the library's revocation store.
 */
@Injectable()
export class LoginsRepository {
  constructor(
    private readonly database: SqliteDatabase,
    private readonly clock: Clock,
  ) {}

  private get db() {
    return this.database.db;
  }

  /** Records a new login (family) of `userId`. */
  record(input: {
    family: string;
    userId: string;
    expiresAt: number;
    userAgent?: string;
    ip?: string;
  }): void {
    const now = this.clock.now();
    this.db
      .prepare(
        `INSERT OR IGNORE INTO token_families (id, user_id, created_at, last_used_at, expires_at, user_agent, ip)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        input.family,
        input.userId,
        now,
        now,
        input.expiresAt,
        input.userAgent?.slice(0, 256) ?? null,
        input.ip ?? null,
      );
  }

  /** A refresh used the family: it lives until the new refresh token's expiry. */
  touch(family: string, expiresAt: number): void {
    this.db
      .prepare('UPDATE token_families SET last_used_at = ?, expires_at = ? WHERE id = ?')
      .run(this.clock.now(), expiresAt, family);
  }

  /** Marks one login ended. */
  end(family: string): void {
    this.db
      .prepare('UPDATE token_families SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(this.clock.now(), family);
  }

  /** Marks every login of `userId` ended. */
  endAll(userId: string): void {
    this.db
      .prepare('UPDATE token_families SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL')
      .run(this.clock.now(), userId);
  }

  /** Marks every login of `userId` but `family` ended. */
  endAllExcept(userId: string, family: string): void {
    this.db
      .prepare(
        'UPDATE token_families SET revoked_at = ? WHERE user_id = ? AND id != ? AND revoked_at IS NULL',
      )
      .run(this.clock.now(), userId, family);
  }

  /** The live logins of `userId`, oldest first. */
  active(userId: string): LoginRecord[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM token_families
           WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?
           ORDER BY created_at, id`,
        )
        .all(userId, this.clock.now()) as LoginRow[]
    ).map(toRecord);
  }

  /** One live login of `userId`, or `null`. */
  findActive(userId: string, family: string): LoginRecord | null {
    const row = this.db
      .prepare(
        `SELECT * FROM token_families
         WHERE id = ? AND user_id = ? AND revoked_at IS NULL AND expires_at > ?`,
      )
      .get(family, userId, this.clock.now()) as LoginRow | undefined;
    return row ? toRecord(row) : null;
  }
}

function toRecord(row: LoginRow): LoginRecord {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    userAgent: row.user_agent,
    ip: row.ip,
  };
}

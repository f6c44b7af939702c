import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from 'nestjs-gatehouse';
import { SqliteDatabase } from '../database/sqlite.database.js';
import type { UserRecord } from './app-user.js';

interface UserRow {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  roles: string;
  disabled: number;
  created_at: number;
  updated_at: number;
}

/** The username or the email is already taken. */
export class DuplicateUserError extends Error {
  override readonly name = 'DuplicateUserError';
}

/** The `users` table. Usernames and emails are unique without regard to case. */
@Injectable()
export class UsersRepository {
  constructor(
    private readonly database: SqliteDatabase,
    private readonly clock: Clock,
  ) {}

  private get db() {
    return this.database.db;
  }

  findById(id: string): UserRecord | null {
    return toRecord(this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow);
  }

  findByUsername(username: string): UserRecord | null {
    return toRecord(
      this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow,
    );
  }

  findByEmail(email: string): UserRecord | null {
    return toRecord(this.db.prepare('SELECT * FROM users WHERE email = ?').get(email) as UserRow);
  }

  list(): UserRecord[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY created_at, id').all() as UserRow[]).map(
      (row) => toRecord(row)!,
    );
  }

  /** Inserts a user; throws {@link DuplicateUserError} when the username or email is taken. */
  create(input: {
    username: string;
    email: string;
    passwordHash: string;
    roles?: readonly string[];
  }): UserRecord {
    const now = this.clock.now();
    const id = randomUUID();
    try {
      this.db
        .prepare(
          `INSERT INTO users (id, username, email, password_hash, roles, disabled, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
        )
        .run(
          id,
          input.username,
          input.email,
          input.passwordHash,
          JSON.stringify(input.roles ?? ['user']),
          now,
          now,
        );
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateUserError('username or email taken');
      throw error;
    }
    return this.findById(id)!;
  }

  /** Updates the given fields; returns the new record, or `null` when the user does not exist. */
  update(
    id: string,
    changes: {
      email?: string;
      passwordHash?: string;
      roles?: readonly string[];
      disabled?: boolean;
    },
  ): UserRecord | null {
    const sets: string[] = [];
    const values: unknown[] = [];
    if (changes.email !== undefined) {
      sets.push('email = ?');
      values.push(changes.email);
    }
    if (changes.passwordHash !== undefined) {
      sets.push('password_hash = ?');
      values.push(changes.passwordHash);
    }
    if (changes.roles !== undefined) {
      sets.push('roles = ?');
      values.push(JSON.stringify(changes.roles));
    }
    if (changes.disabled !== undefined) {
      sets.push('disabled = ?');
      values.push(changes.disabled ? 1 : 0);
    }
    sets.push('updated_at = ?');
    values.push(this.clock.now());
    try {
      this.db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateUserError('email taken');
      throw error;
    }
    return this.findById(id);
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }
}

function toRecord(row: UserRow | undefined): UserRecord | null {
  if (!row) return null;
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    passwordHash: row.password_hash,
    roles: Object.freeze(JSON.parse(row.roles) as string[]),
    disabled: row.disabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

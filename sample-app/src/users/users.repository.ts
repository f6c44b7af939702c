import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from 'nestjs-gatehouse';
import { SqliteDatabase } from '../database/sqlite.database.js';
import { NO_PASSWORD, type UserRecord } from './app-user.js';

/** How many suffixed usernames a linked account tries before it takes a random one. */
const USERNAME_ATTEMPTS = 20;

interface UserRow {
  id: string;
  username: string;
  email: string | null;
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

  /** The account linked to `subject` at `issuer`, if there is one. */
  findLinked(issuer: string, subject: string): UserRecord | null {
    return toRecord(
      this.db
        .prepare(
          `SELECT users.* FROM linked_identities JOIN users ON users.id = linked_identities.user_id
           WHERE linked_identities.issuer = ? AND linked_identities.subject = ?`,
        )
        .get(issuer, subject) as UserRow,
    );
  }

  /**
   * Creates an account without a password, linked to `subject` at `issuer`, in one transaction:
   * the username is `username`, or the first free `username-2`, `username-3`…; the email is kept
   * only when no other account has it. Returns the existing account when another request (or
   * instance) linked the same subject first.
   */
  createLinked(input: {
    issuer: string;
    subject: string;
    username: string;
    email: string | undefined;
    roles: readonly string[];
  }): UserRecord {
    const db = this.db;
    const create = db.transaction((): string => {
      const linked = db
        .prepare('SELECT user_id FROM linked_identities WHERE issuer = ? AND subject = ?')
        .get(input.issuer, input.subject) as { user_id: string } | undefined;
      if (linked) return linked.user_id;
      const now = this.clock.now();
      const id = randomUUID();
      const email =
        input.email !== undefined && this.findByEmail(input.email) === null ? input.email : null;
      db.prepare(
        `INSERT INTO users (id, username, email, password_hash, roles, disabled, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
      ).run(
        id,
        this.freeUsername(input.username),
        email,
        NO_PASSWORD,
        JSON.stringify(input.roles),
        now,
        now,
      );
      db.prepare(
        'INSERT INTO linked_identities (issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?)',
      ).run(input.issuer, input.subject, id, now);
      return id;
    });
    return this.findById(create.immediate())!;
  }

  private freeUsername(base: string): string {
    for (let i = 1; i <= USERNAME_ATTEMPTS; i++) {
      const candidate = i === 1 ? base : `${base}-${i}`;
      if (this.findByUsername(candidate) === null) return candidate;
    }
    return `${base}-${randomUUID().slice(0, 8)}`;
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

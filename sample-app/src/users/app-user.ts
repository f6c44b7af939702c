import { BaseUser } from 'nestjs-gatehouse';

/** A row of the `users` table, as the app reads it. */
export interface UserRecord {
  readonly id: string;
  readonly username: string;
  /** `null` for an account linked to an outside provider that vouched for no email. */
  readonly email: string | null;
  /** {@link NO_PASSWORD} for an account that signs in through an outside provider only. */
  readonly passwordHash: string;
  readonly roles: readonly string[];
  readonly disabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The password hash of an account without a password: no password ever matches it. */
export const NO_PASSWORD = '!';

/** The user the guard attaches to requests: loaded from SQLite on every request. */
export class AppUser extends BaseUser {
  constructor(readonly record: UserRecord) {
    super();
  }

  get identity(): string {
    return this.record.id;
  }

  override get displayName(): string {
    return this.record.username;
  }

  override get roles(): readonly string[] {
    return this.record.roles;
  }
}

/** The public view of a user: never the password hash. */
export function publicUser(record: UserRecord): {
  id: string;
  username: string;
  email: string | null;
  roles: string[];
} {
  return {
    id: record.id,
    username: record.username,
    email: record.email,
    roles: [...record.roles],
  };
}

/** One schema change. Versions only grow; an applied migration is never edited. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The schema, as a list of migrations applied in order at start. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        roles TEXT NOT NULL DEFAULT '["user"]',
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );`,
  },
  {
    version: 2,
    name: 'reports',
    sql: `
      CREATE TABLE reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        author_id TEXT NOT NULL REFERENCES users(id),
        created_at INTEGER NOT NULL
      );`,
  },
  {
    version: 3,
    name: 'password reset tokens',
    sql: `
      CREATE TABLE password_reset_tokens (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      );
      CREATE INDEX password_reset_tokens_user ON password_reset_tokens(user_id);`,
  },
  {
    version: 4,
    name: 'audit events',
    sql: `
      CREATE TABLE audit_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        type TEXT NOT NULL,
        user_id TEXT,
        backend TEXT,
        ip TEXT,
        reason TEXT,
        credential_id TEXT,
        method TEXT,
        path TEXT,
        at INTEGER NOT NULL
      );
      CREATE INDEX audit_events_at ON audit_events(at);`,
  },
  {
    version: 5,
    name: 'api keys',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        prefix TEXT NOT NULL,
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        scopes TEXT,
        hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER,
        last_used_at INTEGER,
        rotated_from TEXT
      );
      CREATE INDEX api_keys_owner ON api_keys(owner, created_at);`,
  },
  {
    version: 6,
    name: 'refresh-token families (logins), for the session list',
    sql: `
      CREATE TABLE token_families (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER,
        user_agent TEXT,
        ip TEXT
      );
      CREATE INDEX token_families_user ON token_families(user_id, created_at);`,
  },
  {
    version: 7,
    name: 'audit events keep the detail beside the reason code',
    sql: `ALTER TABLE audit_events ADD COLUMN detail TEXT;`,
  },
  {
    version: 8,
    name: 'email change tokens',
    sql: `
      CREATE TABLE email_change_tokens (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        new_email TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      );
      CREATE INDEX email_change_tokens_user ON email_change_tokens(user_id);`,
  },
  {
    version: 9,
    name: 'accounts linked to an outside identity provider; an account may have no email',
    // SQLite changes a column's constraint by rebuilding the table (its documented procedure;
    // the runner holds the foreign keys off meanwhile and checks them before the commit).
    sql: `
      CREATE TABLE users_new (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        email TEXT UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        roles TEXT NOT NULL DEFAULT '["user"]',
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      INSERT INTO users_new
        SELECT id, username, email, password_hash, roles, disabled, created_at, updated_at FROM users;
      DROP TABLE users;
      ALTER TABLE users_new RENAME TO users;
      CREATE TABLE linked_identities (
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (issuer, subject)
      );
      CREATE INDEX linked_identities_user ON linked_identities(user_id);`,
  },
];

import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import type { AppConfig } from '../config/app-config.js';
import { migrations as allMigrations, type Migration } from './migrations.js';

/**
 * The app's SQLite database (better-sqlite3): opened, configured and migrated when the app is
 * built, closed when it shuts down. Several processes may share the file (WAL mode, a busy
 * timeout, and migrations under an immediate transaction). `DatabaseModule` provides it.
 */
export class SqliteDatabase implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  /** The open connection. */
  readonly db: Database.Database;
  /** The absolute path of the file, or `:memory:`. */
  readonly location: string;

  constructor(config: Pick<AppConfig, 'databasePath'>) {
    const path = config.databasePath;
    this.location = path === ':memory:' ? path : resolve(path);
    if (path !== ':memory:') mkdirSync(dirname(this.location), { recursive: true });
    this.db = new Database(this.location);
    // Another instance may hold the write lock for a moment; wait for it instead of failing.
    this.db.pragma('busy_timeout = 5000');
    if (path !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    const applied = migrate(this.db, allMigrations);
    if (applied.length > 0) {
      this.logger.log(`applied migrations ${applied.map((m) => m.version).join(', ')}`);
    }
  }

  /** The schema version after start. */
  get schemaVersion(): number {
    const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as {
      v: number | null;
    };
    return row.v ?? 0;
  }

  onApplicationShutdown(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Applies the migrations `db` lacks, in order, and returns them. The foreign keys are off while
 * they run, as SQLite's table-rebuild procedure requires (dropping the old table must not cascade
 * to the rows that reference it), and are checked as a whole before the commit.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[]): Migration[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  // The pragma has no effect inside a transaction, so it is switched around it.
  const enforced = db.pragma('foreign_keys', { simple: true }) === 1;
  if (enforced) db.pragma('foreign_keys = OFF');
  try {
    return applyPending(db, migrations);
  } finally {
    if (enforced) db.pragma('foreign_keys = ON');
  }
}

function applyPending(db: Database.Database, migrations: readonly Migration[]): Migration[] {
  // IMMEDIATE takes the write lock first, so two instances starting together never both apply
  // the same version: the second waits, then finds it applied.
  return db
    .transaction(() => {
      const done = new Set(
        (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
          (r) => r.version,
        ),
      );
      const pending = [...migrations]
        .sort((a, b) => a.version - b.version)
        .filter((m) => !done.has(m.version));
      const record = db.prepare(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
      );
      for (const migration of pending) {
        db.exec(migration.sql);
        record.run(migration.version, migration.name, Date.now());
      }
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) {
        throw new Error(`migrations left ${broken.length} rows with a broken foreign key`);
      }
      return pending;
    })
    .immediate();
}

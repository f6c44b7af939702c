import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../src/database/migrations.js';
import { migrate, SqliteDatabase } from '../src/database/sqlite.database.js';
import { testConfig } from './support/sample-app.js';

const dir = mkdtempSync(join(tmpdir(), 'sample-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteDatabase', () => {
  it('creates the file and its directory, and migrates it to the latest version', () => {
    const path = join(dir, 'nested', 'deeper', 'app.db');
    const database = new SqliteDatabase(testConfig(dir, { databasePath: path }));
    expect(database.location).toBe(path);
    expect(database.schemaVersion).toBe(Math.max(...migrations.map((m) => m.version)));
    const tables = database.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => (row as { name: string }).name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'users',
        'reports',
        'api_keys',
        'password_reset_tokens',
        'audit_events',
        'token_families',
        'schema_migrations',
      ]),
    );
    expect(database.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.db.pragma('foreign_keys', { simple: true })).toBe(1);
    database.onApplicationShutdown();
    expect(database.db.open).toBe(false);
  });

  it('works in memory', () => {
    const database = new SqliteDatabase(testConfig(dir, { databasePath: ':memory:' }));
    expect(database.location).toBe(':memory:');
    expect(database.schemaVersion).toBe(migrations.length);
    database.onApplicationShutdown();
  });

  it('applies only what is missing, on a database an older version left', () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    expect(migrate(old, migrations.slice(0, 2)).map((m) => m.version)).toEqual([1, 2]);
    old
      .prepare(
        "INSERT INTO users (id, username, email, password_hash, created_at, updated_at) VALUES ('u1', 'kept', 'k@example.com', 'x', 1, 1)",
      )
      .run();
    old.close();
    const database = new SqliteDatabase(testConfig(dir, { databasePath: path }));
    expect(database.schemaVersion).toBe(migrations.length);
    const versions = database.db
      .prepare('SELECT version FROM schema_migrations ORDER BY version')
      .all()
      .map((row) => (row as { version: number }).version);
    expect(versions).toEqual(migrations.map((m) => m.version));
    expect(database.db.prepare('SELECT username FROM users').get()).toEqual({ username: 'kept' });
    // A second start applies nothing.
    expect(migrate(database.db, migrations)).toEqual([]);
    database.onApplicationShutdown();
  });

  it('lets two connections (instances) start on one file', () => {
    const path = join(dir, 'shared.db');
    const a = new SqliteDatabase(testConfig(dir, { databasePath: path }));
    const b = new SqliteDatabase(testConfig(dir, { databasePath: path }));
    expect(a.schemaVersion).toBe(b.schemaVersion);
    a.onApplicationShutdown();
    b.onApplicationShutdown();
  });

  it('rolls back a failing migration entirely', () => {
    const db = new Database(':memory:');
    const broken = [
      ...migrations.slice(0, 1),
      { version: 2, name: 'broken', sql: 'CREATE TABLE t (a); THIS IS NOT SQL;' },
    ];
    expect(() => migrate(db, broken)).toThrow();
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    expect(tables).toEqual([{ name: 'schema_migrations' }]);
    db.close();
  });
});

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

  it('rebuilds users for nullable emails without losing a row that references them', () => {
    const path = join(dir, 'before-links.db');
    const old = new Database(path);
    old.pragma('foreign_keys = ON');
    const v8 = migrations.filter((m) => m.version <= 8);
    expect(migrate(old, v8).length).toBe(8);
    old.exec(`
      INSERT INTO users (id, username, email, password_hash, created_at, updated_at)
        VALUES ('u1', 'ada', 'ada@example.com', 'x', 1, 1);
      INSERT INTO reports (title, body, author_id, created_at) VALUES ('t', 'b', 'u1', 2);
      INSERT INTO token_families (id, user_id, created_at, last_used_at, expires_at)
        VALUES ('f1', 'u1', 1, 1, 9);
      INSERT INTO password_reset_tokens (token_hash, user_id, created_at, expires_at)
        VALUES ('h1', 'u1', 1, 9);
      INSERT INTO email_change_tokens (token_hash, user_id, new_email, created_at, expires_at)
        VALUES ('e1', 'u1', 'new@example.com', 1, 9);`);
    expect(migrate(old, migrations).map((m) => m.version)).toEqual([9]);
    const count = (table: string) =>
      (old.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect([count('users'), count('reports'), count('token_families')]).toEqual([1, 1, 1]);
    expect([count('password_reset_tokens'), count('email_change_tokens')]).toEqual([1, 1]);
    expect(old.pragma('foreign_keys', { simple: true })).toBe(1);
    // Two accounts without an email, and the references still enforced and cascading.
    old.exec(`
      INSERT INTO users (id, username, email, password_hash, created_at, updated_at)
        VALUES ('u2', 'bob', NULL, '!', 1, 1), ('u3', 'eve', NULL, '!', 1, 1);
      INSERT INTO linked_identities (issuer, subject, user_id, created_at)
        VALUES ('https://idp.example.com', 'sub-2', 'u2', 1);`);
    expect(() =>
      old.exec(
        "INSERT INTO reports (title, body, author_id, created_at) VALUES ('x', 'y', 'nobody', 1)",
      ),
    ).toThrow(/FOREIGN KEY/);
    old.exec("DELETE FROM users WHERE id = 'u2'");
    expect(count('linked_identities')).toBe(0);
    old.close();
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

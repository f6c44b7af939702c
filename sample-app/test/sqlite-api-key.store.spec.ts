import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiKeyStoreContract, sampleRecord } from 'nestjs-gatehouse/testing';
import * as vitest from 'vitest';
import { describe, expect, it } from 'vitest';
import { SqliteApiKeyStore } from '../src/api-keys/sqlite-api-key.store.js';
import { SqliteDatabase } from '../src/database/sqlite.database.js';
import { testConfig } from './support/sample-app.js';

function open(path = ':memory:') {
  const dir = mkdtempSync(join(tmpdir(), 'sample-keys-'));
  const database = new SqliteDatabase(
    testConfig(dir, { databasePath: path === ':memory:' ? path : join(dir, path) }),
  );
  return {
    database,
    store: new SqliteApiKeyStore(database),
    close: () => {
      database.onApplicationShutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

apiKeyStoreContract(
  'SqliteApiKeyStore',
  async () => {
    const { store, close } = open();
    return { store, close };
  },
  vitest,
);

describe('SqliteApiKeyStore', () => {
  it('stores only the hash, never a key, and survives a restart (a real file)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sample-keys-file-'));
    const config = testConfig(dir);
    const first = new SqliteDatabase(config);
    const record = sampleRecord({ scopes: null });
    await new SqliteApiKeyStore(first).insert(record);
    first.onApplicationShutdown();
    const second = new SqliteDatabase(config);
    expect(await new SqliteApiKeyStore(second).findById(record.id)).toEqual(record);
    const columns = second.db
      .prepare('PRAGMA table_info(api_keys)')
      .all()
      .map((c) => (c as { name: string }).name);
    expect(columns).not.toContain('key');
    expect(columns).not.toContain('secret');
    second.onApplicationShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects (so the library answers 503) when the database is closed', async () => {
    const { database, store, close } = open();
    database.db.close();
    await expect(store.findById('0000000000000001')).rejects.toThrow();
    close();
  });
});

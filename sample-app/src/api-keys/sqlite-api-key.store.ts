import { Injectable } from '@nestjs/common';
import { ApiKeyStore, type ApiKeyRecord } from 'nestjs-gatehouse';
import { SqliteDatabase } from '../database/sqlite.database.js';

interface ApiKeyRow {
  id: string;
  prefix: string;
  owner: string;
  name: string;
  scopes: string | null;
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  rotated_from: string | null;
}

/**
 * The library's {@link ApiKeyStore} over the `api_keys` table. Lookups go by primary key; the
 * conditional updates are single `UPDATE … WHERE …` statements, so they stay atomic when several
 * instances share the file. Errors reject, and the library answers 503.
 */
@Injectable()
export class SqliteApiKeyStore extends ApiKeyStore {
  constructor(private readonly database: SqliteDatabase) {
    super();
  }

  private get db() {
    return this.database.db;
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO api_keys (id, prefix, owner, name, scopes, hash, created_at, expires_at,
                               revoked_at, last_used_at, rotated_from)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        record.id,
        record.prefix,
        record.owner,
        record.name,
        record.scopes === null ? null : JSON.stringify(record.scopes),
        record.hash,
        record.createdAt,
        record.expiresAt,
        record.revokedAt,
        record.lastUsedAt,
        record.rotatedFrom,
      );
  }

  async findById(id: string): Promise<ApiKeyRecord | null> {
    const row = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as
      ApiKeyRow | undefined;
    return row ? toRecord(row) : null;
  }

  async listByOwner(owner: string): Promise<ApiKeyRecord[]> {
    return (
      this.db
        .prepare('SELECT * FROM api_keys WHERE owner = ? ORDER BY created_at, rowid')
        .all(owner) as ApiKeyRow[]
    ).map(toRecord);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const result = this.db
      .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(at, id);
    return result.changes > 0 || this.exists(id);
  }

  async limitExpiry(id: string, expiresAt: number): Promise<boolean> {
    const result = this.db
      .prepare(
        'UPDATE api_keys SET expires_at = ? WHERE id = ? AND (expires_at IS NULL OR expires_at > ?)',
      )
      .run(expiresAt, id, expiresAt);
    return result.changes > 0 || this.exists(id);
  }

  async recordUse(id: string, at: number, minIntervalMs: number): Promise<void> {
    this.db
      .prepare(
        'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)',
      )
      .run(at, id, at - minIntervalMs);
  }

  private exists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM api_keys WHERE id = ?').get(id) !== undefined;
  }
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    prefix: row.prefix,
    owner: row.owner,
    name: row.name,
    scopes: row.scopes === null ? null : Object.freeze(JSON.parse(row.scopes) as string[]),
    hash: row.hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    rotatedFrom: row.rotated_from,
  };
}

/** What may be shown about an API key: everything but its hash. Times are ms since the epoch. */
export interface ApiKeyInfo {
  /** The key's public id (the middle part of the key). */
  readonly id: string;
  /** The prefix the key starts with. */
  readonly prefix: string;
  /** The identity of the user the key acts as. */
  readonly owner: string;
  /** A label chosen by the owner. */
  readonly name: string;
  /**
   * The permissions the key is limited to (intersected with its owner's), or `null` for all of
   * the owner's permissions.
   */
  readonly scopes: readonly string[] | null;
  readonly createdAt: number;
  /** When it stops working, or `null` for never. */
  readonly expiresAt: number | null;
  /** When it was revoked, or `null`. */
  readonly revokedAt: number | null;
  /** When it last authenticated a request, recorded at most once a minute; `null` if never. */
  readonly lastUsedAt: number | null;
  /** The id of the key this one replaced through rotation, or `null`. */
  readonly rotatedFrom: string | null;
}

/** A stored API key: its {@link ApiKeyInfo} and the hash of the key. The key itself is never stored. */
export interface ApiKeyRecord extends ApiKeyInfo {
  /** SHA-256 or HMAC-SHA-256 of the full key, base64url. */
  readonly hash: string;
}

/**
 * Where API keys are kept. Implement it over your database and provide it with
 * `AuthModule.forRoot({ providers: [{ provide: ApiKeyStore, useClass: SqlApiKeyStore }] })`.
 * The default, {@link InMemoryApiKeyStore}, loses its keys on restart: it is meant for tests and
 * demos.
 *
 * Contract (checked by `apiKeyStoreContract` from `nestjs-gatehouse/testing`):
 * - times are integers, ms since the epoch; `null` means "not set";
 * - `findById` is the only read on the request path, so index the id;
 * - a failing store rejects (throws): the library answers 503 and never lets the request through;
 * - the conditional updates (`revoke`, `limitExpiry`, `recordUse`) must be single atomic
 *   statements, such as `UPDATE … WHERE …`, so concurrent requests cannot undo each other.
 *
 * @example
 * import type { Database } from 'better-sqlite3';
 *
 * // One row per key: a column per ApiKeyRecord field, of the same name; `scopes` as JSON text.
 * type Row = Omit<ApiKeyRecord, 'scopes'> & { scopes: string };
 * const toRecord = (row: Row): ApiKeyRecord => ({ ...row, scopes: JSON.parse(row.scopes) });
 *
 * @Injectable()
 * export class SqlApiKeyStore extends ApiKeyStore {
 *   constructor(private readonly db: Database) { super(); }
 *
 *   async insert(record: ApiKeyRecord) {
 *     this.db
 *       .prepare('INSERT INTO api_keys VALUES (:id, :prefix, :owner, :name, :scopes, :createdAt, ' +
 *         ':expiresAt, :revokedAt, :lastUsedAt, :rotatedFrom, :hash)')
 *       .run({ ...record, scopes: JSON.stringify(record.scopes) });
 *   }
 *   async findById(id: string) {
 *     const row = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined;
 *     return row ? toRecord(row) : null;
 *   }
 *   async listByOwner(owner: string) {
 *     const rows = this.db.prepare('SELECT * FROM api_keys WHERE owner = ? ORDER BY createdAt');
 *     return (rows.all(owner) as Row[]).map(toRecord);
 *   }
 *   // The conditional updates are single statements, so concurrent requests cannot undo each other.
 *   async revoke(id: string, at: number) {
 *     const revoke = this.db.prepare(
 *       'UPDATE api_keys SET revokedAt = COALESCE(revokedAt, ?) WHERE id = ?',
 *     );
 *     return revoke.run(at, id).changes > 0;
 *   }
 *   async limitExpiry(id: string, expiresAt: number) {
 *     const limit = this.db.prepare(
 *       'UPDATE api_keys SET expiresAt = MIN(COALESCE(expiresAt, ?1), ?1) WHERE id = ?2',
 *     );
 *     return limit.run(expiresAt, id).changes > 0;
 *   }
 *   async recordUse(id: string, at: number, minIntervalMs: number) {
 *     const use = this.db.prepare(
 *       'UPDATE api_keys SET lastUsedAt = ? WHERE id = ? AND (lastUsedAt IS NULL OR lastUsedAt <= ?)',
 *     );
 *     use.run(at, id, at - minIntervalMs);
 *   }
 * }
 */
export abstract class ApiKeyStore {
  /** Saves a new key. Rejects when a key with the same id exists. */
  abstract insert(record: ApiKeyRecord): Promise<void>;

  /** The key with this id, or `null`. */
  abstract findById(id: string): Promise<ApiKeyRecord | null>;

  /** Every key of `owner` (revoked and expired ones too), oldest first. */
  abstract listByOwner(owner: string): Promise<ApiKeyRecord[]>;

  /**
   * Sets `revokedAt` to `at` unless the key is already revoked (the first revocation time stays).
   * Resolves `false` when there is no such key.
   */
  abstract revoke(id: string, at: number): Promise<boolean>;

  /**
   * Moves `expiresAt` to `expiresAt` if that is earlier (or the key had none); never extends it.
   * Resolves `false` when there is no such key.
   */
  abstract limitExpiry(id: string, expiresAt: number): Promise<boolean>;

  /**
   * Sets `lastUsedAt` to `at` if it is `null` or at least `minIntervalMs` older than `at`;
   * otherwise leaves it. Unknown ids are ignored.
   */
  abstract recordUse(id: string, at: number, minIntervalMs: number): Promise<void>;
}

import { Injectable } from '@nestjs/common';
import { ApiKeyStore, type ApiKeyRecord } from './api-key-store.js';

/**
 * An {@link ApiKeyStore} in process memory: the default, for tests and demos. Keys are lost on
 * restart and not shared between instances; use a database-backed store in production.
 */
@Injectable()
export class InMemoryApiKeyStore extends ApiKeyStore {
  // Records are frozen and replaced on update, so reads hand them out without copying.
  private readonly byId = new Map<string, ApiKeyRecord>();
  private readonly byOwner = new Map<string, string[]>();

  async insert(record: ApiKeyRecord): Promise<void> {
    if (this.byId.has(record.id)) throw new Error(`an API key with id ${record.id} exists`);
    this.byId.set(record.id, freeze(record));
    const ids = this.byOwner.get(record.owner);
    if (ids) ids.push(record.id);
    else this.byOwner.set(record.owner, [record.id]);
  }

  async findById(id: string): Promise<ApiKeyRecord | null> {
    return this.byId.get(id) ?? null;
  }

  /**
   * What `store.findById(id)` resolves, read at once, when `store` is an in-memory store whose
   * `findById` is this class's own: the request path then spends no promise on the store.
   * `undefined` for any other store, or when a subclass or a test replaced `findById` (to fail,
   * to count calls): such a store is read through its promise, as written.
   *
   * @internal
   */
  static findNow(store: ApiKeyStore, id: string): ApiKeyRecord | null | undefined {
    if (store.findById !== ownFindById) return undefined;
    return (store as InMemoryApiKeyStore).byId.get(id) ?? null;
  }

  async listByOwner(owner: string): Promise<ApiKeyRecord[]> {
    return (this.byOwner.get(owner) ?? [])
      .map((id) => this.byId.get(id)!)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async revoke(id: string, at: number): Promise<boolean> {
    const record = this.byId.get(id);
    if (!record) return false;
    if (record.revokedAt === null) this.byId.set(id, freeze({ ...record, revokedAt: at }));
    return true;
  }

  async limitExpiry(id: string, expiresAt: number): Promise<boolean> {
    const record = this.byId.get(id);
    if (!record) return false;
    if (record.expiresAt === null || expiresAt < record.expiresAt) {
      this.byId.set(id, freeze({ ...record, expiresAt }));
    }
    return true;
  }

  async recordUse(id: string, at: number, minIntervalMs: number): Promise<void> {
    const record = this.byId.get(id);
    if (record && (record.lastUsedAt === null || record.lastUsedAt <= at - minIntervalMs)) {
      this.byId.set(id, freeze({ ...record, lastUsedAt: at }));
    }
  }
}

const ownFindById = InMemoryApiKeyStore.prototype.findById;

/** A frozen copy with the fields in one fixed order, so every stored record has one shape. */
function freeze(record: ApiKeyRecord): ApiKeyRecord {
  return Object.freeze({
    id: record.id,
    prefix: record.prefix,
    hash: record.hash,
    owner: record.owner,
    name: record.name,
    scopes: record.scopes === null ? null : Object.freeze([...record.scopes]),
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
    lastUsedAt: record.lastUsedAt,
    rotatedFrom: record.rotatedFrom,
  });
}

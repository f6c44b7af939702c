import * as vitest from 'vitest';
import { describe, expect, it } from 'vitest';
import { apiKeyStoreContract, sampleRecord } from '../testing/api-key-store.contract.js';
import { InMemoryApiKeyStore } from './in-memory-api-key.store.js';

apiKeyStoreContract(
  'InMemoryApiKeyStore',
  async () => ({ store: new InMemoryApiKeyStore() }),
  vitest,
);

describe('InMemoryApiKeyStore', () => {
  it('hands out frozen records, so a caller cannot change a stored key', async () => {
    const store = new InMemoryApiKeyStore();
    const record = sampleRecord();
    await store.insert(record);
    const found = (await store.findById(record.id))!;
    expect(Object.isFrozen(found)).toBe(true);
    expect(Object.isFrozen(found.scopes)).toBe(true);
    expect(() => {
      (found as { revokedAt: number | null }).revokedAt = null;
    }).toThrow(TypeError);
  });

  it('is read at once only while findById is its own', async () => {
    const store = new InMemoryApiKeyStore();
    const record = sampleRecord();
    await store.insert(record);
    expect(InMemoryApiKeyStore.findNow(store, record.id)).toEqual(await store.findById(record.id));
    expect(InMemoryApiKeyStore.findNow(store, 'no-such-id')).toBeNull();
    // A subclass or a test that replaces findById (to count, to fail) is read through it.
    class Counting extends InMemoryApiKeyStore {
      override async findById(id: string) {
        return super.findById(id);
      }
    }
    expect(InMemoryApiKeyStore.findNow(new Counting(), record.id)).toBeUndefined();
    store.findById = async () => null;
    expect(InMemoryApiKeyStore.findNow(store, record.id)).toBeUndefined();
  });
});

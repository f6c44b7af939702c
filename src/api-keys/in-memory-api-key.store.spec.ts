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
});

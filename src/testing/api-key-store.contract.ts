import type { ApiKeyRecord, ApiKeyStore } from '../api-keys/api-key-store.js';
import type { ContractRunner } from './contract-runner.js';

/** A fresh, empty store for one test, and how to dispose of it. */
export interface ApiKeyStoreFixture {
  store: ApiKeyStore;
  close?: () => Promise<void> | void;
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MINUTE = 60_000;

let sequence = 0;

/**
 * A record as ApiKeyService would insert it, each call a new id (16 hex characters); `overrides`
 * replace fields.
 */
export function sampleRecord(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  sequence += 1;
  return {
    id: sequence.toString(16).padStart(16, '0'),
    prefix: 'gk',
    owner: 'alice',
    name: `key ${sequence}`,
    hash: `hash-${sequence}-0123456789abcdefghijklmnopqrstuv`,
    scopes: ['reports:read'],
    createdAt: T0,
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    rotatedFrom: null,
    ...overrides,
  };
}

/**
 * Registers the contract every {@link ApiKeyStore} must meet, as tests of `runner`, against the
 * store `make` builds (a fresh, empty one per test). Run it against your own implementation.
 *
 * @example
 * import * as vitest from 'vitest';
 * import { apiKeyStoreContract } from 'nestjs-gatehouse/testing';
 * import { SqlApiKeyStore } from './sql-api-key.store.js';
 *
 * apiKeyStoreContract('SqlApiKeyStore', async () => ({ store: new SqlApiKeyStore() }), vitest);
 */
export function apiKeyStoreContract(
  name: string,
  make: () => Promise<ApiKeyStoreFixture>,
  runner: ContractRunner,
): void {
  const { describe, it, expect, beforeEach, afterEach } = runner;
  describe(`ApiKeyStore contract: ${name}`, () => {
    let fixture: ApiKeyStoreFixture;
    let store: ApiKeyStore;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.close?.();
    });

    it('returns what was inserted, field for field', async () => {
      const record = sampleRecord({
        scopes: ['a', 'b'],
        expiresAt: T0 + MINUTE,
        rotatedFrom: 'ffffffffffffffff',
      });
      await store.insert(record);
      expect(await store.findById(record.id)).toEqual(record);
    });

    it('keeps null scopes (all of the owner’s permissions) apart from empty scopes', async () => {
      const all = sampleRecord({ scopes: null });
      const none = sampleRecord({ scopes: [] });
      await store.insert(all);
      await store.insert(none);
      expect((await store.findById(all.id))!.scopes).toBeNull();
      expect((await store.findById(none.id))!.scopes).toEqual([]);
    });

    it('finds nothing for an unknown id', async () => {
      expect(await store.findById('0123456789abcdef')).toBeNull();
    });

    it('refuses a second record with the same id and keeps the first', async () => {
      const record = sampleRecord();
      await store.insert(record);
      await expect(store.insert({ ...record, owner: 'mallory', hash: 'other' })).rejects.toThrow();
      expect((await store.findById(record.id))!.owner).toBe('alice');
    });

    it('is not changed through objects it returned or was given', async () => {
      const record = sampleRecord({ scopes: ['reports:read'] });
      const input = { ...record, scopes: [...record.scopes!] };
      await store.insert(input);
      input.scopes.push('users:manage');
      const found = (await store.findById(record.id))!;
      try {
        (found.scopes as string[]).push('users:manage');
      } catch {
        // A frozen copy is fine too.
      }
      expect((await store.findById(record.id))!.scopes).toEqual(['reports:read']);
    });

    it("lists one owner's keys, oldest first, revoked and expired included", async () => {
      const newer = sampleRecord({ createdAt: T0 + 2 * MINUTE });
      const older = sampleRecord({ createdAt: T0 });
      const revoked = sampleRecord({ createdAt: T0 + MINUTE, revokedAt: T0 + MINUTE });
      const other = sampleRecord({ owner: 'bob' });
      for (const r of [newer, older, revoked, other]) await store.insert(r);
      expect((await store.listByOwner('alice')).map((r) => r.id)).toEqual([
        older.id,
        revoked.id,
        newer.id,
      ]);
      expect((await store.listByOwner('bob')).map((r) => r.id)).toEqual([other.id]);
      expect(await store.listByOwner('nobody')).toEqual([]);
    });

    it('revoke sets the time once: a later revoke keeps the first time', async () => {
      const record = sampleRecord();
      await store.insert(record);
      expect(await store.revoke(record.id, T0 + MINUTE)).toBe(true);
      expect(await store.revoke(record.id, T0 + 5 * MINUTE)).toBe(true);
      expect((await store.findById(record.id))!.revokedAt).toBe(T0 + MINUTE);
      expect(await store.revoke('0123456789abcdef', T0)).toBe(false);
    });

    it('limitExpiry only ever shortens', async () => {
      const open = sampleRecord();
      const bounded = sampleRecord({ expiresAt: T0 + 10 * MINUTE });
      await store.insert(open);
      await store.insert(bounded);
      expect(await store.limitExpiry(open.id, T0 + 5 * MINUTE)).toBe(true);
      expect((await store.findById(open.id))!.expiresAt).toBe(T0 + 5 * MINUTE);
      await store.limitExpiry(bounded.id, T0 + 20 * MINUTE);
      expect((await store.findById(bounded.id))!.expiresAt).toBe(T0 + 10 * MINUTE);
      await store.limitExpiry(bounded.id, T0 + 3 * MINUTE);
      expect((await store.findById(bounded.id))!.expiresAt).toBe(T0 + 3 * MINUTE);
      expect(await store.limitExpiry('0123456789abcdef', T0)).toBe(false);
    });

    it('recordUse writes at most once per interval', async () => {
      const record = sampleRecord();
      await store.insert(record);
      await store.recordUse(record.id, T0, MINUTE);
      expect((await store.findById(record.id))!.lastUsedAt).toBe(T0);
      await store.recordUse(record.id, T0 + MINUTE - 1, MINUTE);
      expect((await store.findById(record.id))!.lastUsedAt).toBe(T0);
      await store.recordUse(record.id, T0 + MINUTE, MINUTE);
      expect((await store.findById(record.id))!.lastUsedAt).toBe(T0 + MINUTE);
      // An older timestamp arriving late never moves the last use back.
      await store.recordUse(record.id, T0, MINUTE);
      expect((await store.findById(record.id))!.lastUsedAt).toBe(T0 + MINUTE);
    });

    it('concurrent recordUse calls within one interval leave one time', async () => {
      const record = sampleRecord();
      await store.insert(record);
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.recordUse(record.id, T0 + i * 1000, MINUTE)),
      );
      expect((await store.findById(record.id))!.lastUsedAt).toBe(T0);
    });

    it('recordUse ignores unknown ids', async () => {
      await expect(store.recordUse('0123456789abcdef', T0, MINUTE)).resolves.toBeUndefined();
      expect(await store.findById('0123456789abcdef')).toBeNull();
    });

    it('updates touch only their own field and their own key', async () => {
      const a = sampleRecord({ expiresAt: T0 + 10 * MINUTE });
      const b = sampleRecord();
      await store.insert(a);
      await store.insert(b);
      await store.revoke(a.id, T0 + MINUTE);
      await store.limitExpiry(a.id, T0 + 2 * MINUTE);
      await store.recordUse(a.id, T0 + 3 * MINUTE, MINUTE);
      expect(await store.findById(a.id)).toEqual({
        ...a,
        revokedAt: T0 + MINUTE,
        expiresAt: T0 + 2 * MINUTE,
        lastUsedAt: T0 + 3 * MINUTE,
      });
      expect(await store.findById(b.id)).toEqual(b);
    });
  });
}

import * as vitest from 'vitest';
import { describe, expect, it } from 'vitest';
import {
  AuthConfigurationError,
  AuthUnavailableError,
  InMemoryRevocationStore,
} from 'nestjs-gatehouse';
import { FakeClock, revocationStoreContract } from 'nestjs-gatehouse/testing';

revocationStoreContract(
  'in-memory',
  async (clock) => {
    const store = new InMemoryRevocationStore(clock);
    return {
      store,
      advance: async (ms) => clock.advance(ms),
      // Live entries, as Redis counts its keys (an expired key is gone for its readers): the
      // count is then exact whatever expired ones the writes in between happen to purge.
      entries: async () => {
        store.sweep();
        return store.size;
      },
      close: async () => undefined,
    };
  },
  vitest,
);

describe('InMemoryRevocationStore memory bounds', () => {
  it('drops expired entries to make room, and refuses (503) rather than forget live ones', async () => {
    const clock = new FakeClock(0);
    const store = new InMemoryRevocationStore(clock, { maxRevocations: 3 });
    await store.revokeToken('a', 1_000);
    await store.revokeToken('b', 1_000);
    await store.revokeToken('c', 60_000);
    await expect(store.revokeToken('d', 60_000)).rejects.toBeInstanceOf(AuthUnavailableError);
    expect(await store.isRevoked({ tokenId: 'a', subject: 's', issuedAt: 0 })).toBe(true);
    clock.advance(1_000);
    await store.revokeToken('d', 60_000);
    expect(store.size).toBe(2);
    expect(await store.isRevoked({ tokenId: 'c', subject: 's', issuedAt: 0 })).toBe(true);
    expect(await store.isRevoked({ tokenId: 'd', subject: 's', issuedAt: 0 })).toBe(true);
    expect(await store.isRevoked({ tokenId: 'a', subject: 's', issuedAt: 0 })).toBe(false);
  });

  it('sweeps expired entries as writes go on, so the map does not grow with old tokens', async () => {
    const clock = new FakeClock(0);
    const store = new InMemoryRevocationStore(clock);
    for (let i = 0; i < 5000; i++) {
      await store.revokeToken(`t${i}`, clock.now() + 100);
      clock.advance(1);
    }
    expect(store.size).toBeLessThan(1200);
  });
});

describe('InMemoryRevocationStore budgets and per-user quota', () => {
  const probe = (tokenId: string) => ({ tokenId, subject: 's', issuedAt: 0 });

  it('keeps separate budgets: revocations filling up never stop refreshes, nor the other way round', async () => {
    const clock = new FakeClock(0);
    const store = new InMemoryRevocationStore(clock, { maxRevocations: 3, maxFamilies: 2 });
    await store.revokeToken('a', 60_000);
    await store.revokeFamily('f-revoked', 60_000);
    await store.revokeSubject('s', 0, 60_000);
    await expect(store.revokeToken('b', 60_000)).rejects.toMatchObject({
      reason: 'REVOCATION_STORE_UNAVAILABLE',
    });
    // The revocations are full; spending refresh tokens has its own room.
    expect(await store.consumeRefreshToken('f1', 0, 60_000)).toBe('consumed');
    expect(await store.consumeRefreshToken('f2', 0, 60_000)).toBe('consumed');
    expect(await store.consumeRefreshToken('f1', 1, 60_000)).toBe('consumed');
    await expect(store.consumeRefreshToken('f3', 0, 60_000)).rejects.toBeInstanceOf(
      AuthUnavailableError,
    );
    // A full family budget does not block revocations either, once they have room again.
    clock.advance(60_000);
    expect(await store.consumeRefreshToken('f4', 0, 120_000)).toBe('consumed');
    await store.revokeToken('b', 120_000);
    expect(await store.isRevoked(probe('b'))).toBe(true);
  });

  it('holds each user to maxEntriesPerUser live entries in each budget, freed as they expire', async () => {
    const clock = new FakeClock(0);
    const store = new InMemoryRevocationStore(clock, { maxEntriesPerUser: 2 });
    await store.revokeToken('m1', 10_000, 'mallory');
    await store.revokeFamily('mf1', 60_000, 'mallory');
    const quota = { name: 'AuthUnavailableError', reason: 'REVOCATION_QUOTA_EXCEEDED' };
    await expect(store.revokeToken('m2', 60_000, 'mallory')).rejects.toMatchObject(quota);
    await expect(store.revokeFamily('mf2', 60_000, 'mallory')).rejects.toMatchObject(quota);
    expect(await store.isRevoked(probe('m2'))).toBe(false);
    // Writing an entry the user already holds again costs nothing.
    await store.revokeFamily('mf1', 60_000, 'mallory');
    // Other users, writes charged to nobody, and the user's own cut-off are not held back.
    await store.revokeToken('a1', 60_000, 'alice');
    await store.revokeToken('x1', 60_000);
    await store.revokeSubject('mallory', 0, 60_000);
    // Spending refresh tokens is a budget of its own, with its own quota per user.
    expect(await store.consumeRefreshToken('mg1', 0, 60_000, { owner: 'mallory' })).toBe(
      'consumed',
    );
    expect(await store.consumeRefreshToken('mg2', 0, 60_000, { owner: 'mallory' })).toBe(
      'consumed',
    );
    expect(await store.consumeRefreshToken('mg1', 1, 60_000, { owner: 'mallory' })).toBe(
      'consumed',
    );
    await expect(
      store.consumeRefreshToken('mg3', 0, 60_000, { owner: 'mallory' }),
    ).rejects.toMatchObject(quota);
    expect(await store.consumeRefreshToken('ag1', 0, 60_000, { owner: 'alice' })).toBe('consumed');
    // Once the user's first revocation has expired, there is room for one more.
    clock.advance(10_000);
    await store.revokeToken('m2', 60_000, 'mallory');
    expect(await store.isRevoked(probe('m2'))).toBe(true);
    await expect(store.revokeToken('m3', 60_000, 'mallory')).rejects.toMatchObject(quota);
  });

  it('checks its options when it is built, naming the option', () => {
    const clock = new FakeClock(0);
    const refused = (options: unknown, option: string) => {
      let caught: unknown;
      try {
        new InMemoryRevocationStore(clock, options as never);
      } catch (error) {
        caught = error;
      }
      expect(caught, option).toBeInstanceOf(AuthConfigurationError);
      expect((caught as AuthConfigurationError).option).toBe(option);
    };
    refused({ maxRevocations: 0 }, 'IN_MEMORY_REVOCATION_OPTIONS.maxRevocations');
    refused({ maxFamilies: 1.5 }, 'IN_MEMORY_REVOCATION_OPTIONS.maxFamilies');
    refused({ maxEntriesPerUser: '10' }, 'IN_MEMORY_REVOCATION_OPTIONS.maxEntriesPerUser');
    refused({ maxEntries: 10 }, 'IN_MEMORY_REVOCATION_OPTIONS.maxEntries');
    refused('big', 'IN_MEMORY_REVOCATION_OPTIONS');
    expect(() => new InMemoryRevocationStore(clock, {})).not.toThrow();
  });
});

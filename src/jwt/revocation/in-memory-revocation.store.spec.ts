import * as vitest from 'vitest';
import { describe, expect, it } from 'vitest';
import { AuthUnavailableError, InMemoryRevocationStore } from 'nestjs-gatehouse';
import { FakeClock, revocationStoreContract } from 'nestjs-gatehouse/testing';

revocationStoreContract(
  'in-memory',
  async (clock) => {
    const store = new InMemoryRevocationStore(clock);
    return {
      store,
      advance: async (ms) => clock.advance(ms),
      entries: async () => store.size,
      close: async () => undefined,
    };
  },
  vitest,
);

describe('InMemoryRevocationStore memory bounds', () => {
  it('drops expired entries to make room, and refuses (503) rather than forget live ones', async () => {
    const clock = new FakeClock(0);
    const store = new InMemoryRevocationStore(clock, { maxEntries: 3 });
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

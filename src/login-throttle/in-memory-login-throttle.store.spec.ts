import * as vitest from 'vitest';
import { describe, expect, it } from 'vitest';
import { FakeClock, loginThrottleStoreContract } from 'nestjs-gatehouse/testing';
import { InMemoryLoginThrottleStore } from './in-memory-login-throttle.store.js';

loginThrottleStoreContract(
  'in memory',
  async (clock) => ({ store: new InMemoryLoginThrottleStore(clock), close: async () => undefined }),
  vitest,
);

describe('InMemoryLoginThrottleStore', () => {
  it('holds at most maxEntries keys, forgetting the least recently counted', async () => {
    const store = new InMemoryLoginThrottleStore(new FakeClock(), { maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await store.hit(key, 5, 60_000);
    await store.hit('a', 5, 60_000);
    await store.hit('d', 5, 60_000);
    expect(store.size).toBe(3);
    expect((await store.hit('a', 5, 60_000)).attempts).toBe(3);
    // "b" was counted least recently, so it went.
    expect((await store.hit('b', 5, 60_000)).attempts).toBe(1);
  });
});

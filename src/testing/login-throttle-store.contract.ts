import type { LoginThrottleStore } from '../login-throttle/login-throttle-store.js';
import type { ContractRunner } from './contract-runner.js';
import { FakeClock } from './fake-clock.js';

/** What a store's spec hands {@link loginThrottleStoreContract}: the store, and its clean-up. */
export interface LoginThrottleStoreHarness {
  store: LoginThrottleStore;
  close(): Promise<void>;
}

let counter = 0;
const unique = (what: string) => `${what}-${process.pid}-${Date.now()}-${++counter}`;

const LIMIT = 3;
const WINDOW = 600_000;

/**
 * Registers the behaviour every `LoginThrottleStore` must have (see its JSDoc) as tests of
 * `runner`, against the store `make` builds on the given clock (the store must read its time
 * from it). Run it against your own implementation.
 *
 * @example
 * import * as vitest from 'vitest';
 * import { InMemoryLoginThrottleStore } from 'nestjs-gatehouse';
 * import { loginThrottleStoreContract } from 'nestjs-gatehouse/testing';
 *
 * loginThrottleStoreContract(
 *   'InMemoryLoginThrottleStore',
 *   async (clock) => ({ store: new InMemoryLoginThrottleStore(clock), close: async () => undefined }),
 *   vitest,
 * );
 */
export function loginThrottleStoreContract(
  name: string,
  make: (clock: FakeClock) => Promise<LoginThrottleStoreHarness>,
  runner: ContractRunner,
): void {
  const { describe, it, expect, beforeAll, afterAll, beforeEach } = runner;
  describe(`LoginThrottleStore contract: ${name}`, () => {
    const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    let h: LoginThrottleStoreHarness;
    const hit = (key: string) => h.store.hit(key, LIMIT, WINDOW);

    beforeAll(async () => {
      h = await make(clock);
    });
    afterAll(() => h.close());
    beforeEach(() => clock.advance(WINDOW * 2));

    it('counts from 1, and answers how long the count lives', async () => {
      const key = unique('a');
      expect(await hit(key)).toEqual({ attempts: 1, remainingMs: WINDOW });
      clock.advance(10_000);
      expect(await hit(key)).toEqual({ attempts: 2, remainingMs: WINDOW - 10_000 });
    });

    it('arms the lockout for a full window at the limit, and later attempts do not extend it', async () => {
      const key = unique('a');
      await hit(key);
      clock.advance(100_000);
      await hit(key);
      clock.advance(100_000);
      expect(await hit(key)).toEqual({ attempts: LIMIT, remainingMs: WINDOW });
      clock.advance(50_000);
      expect(await hit(key)).toEqual({ attempts: LIMIT + 1, remainingMs: WINDOW - 50_000 });
      clock.advance(WINDOW - 50_001);
      expect(await hit(key)).toEqual({ attempts: LIMIT + 2, remainingMs: 1 });
      clock.advance(1);
      expect(await hit(key)).toEqual({ attempts: 1, remainingMs: WINDOW });
    });

    it('forgets a count whose window has ended', async () => {
      const key = unique('a');
      await hit(key);
      await hit(key);
      clock.advance(WINDOW);
      expect((await hit(key)).attempts).toBe(1);
    });

    it('counts a burst of parallel attempts exactly, each with its own number', async () => {
      const key = unique('burst');
      const answers = await Promise.all(Array.from({ length: 40 }, () => hit(key)));
      expect(answers.map((a) => a.attempts).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
    });

    it('keeps keys apart, and reset forgets one key only', async () => {
      const [a, b] = [unique('a'), unique('b')];
      await hit(a);
      await hit(a);
      await hit(b);
      await h.store.reset(a);
      expect((await hit(a)).attempts).toBe(1);
      expect((await hit(b)).attempts).toBe(2);
      await h.store.reset(unique('never-counted'));
    });

    it('takes any key string', async () => {
      const key = `d:{x}:${'é'.repeat(300)}:*?[]`;
      await h.store.reset(key);
      expect((await hit(key)).attempts).toBe(1);
      expect((await hit(key)).attempts).toBe(2);
      await h.store.reset(key);
    });

    it('follows the limit and window of each call', async () => {
      const key = unique('a');
      expect(await h.store.hit(key, 1, 1000)).toEqual({ attempts: 1, remainingMs: 1000 });
      clock.advance(400);
      expect(await h.store.hit(key, 1, 1000)).toEqual({ attempts: 2, remainingMs: 600 });
    });
  });
}

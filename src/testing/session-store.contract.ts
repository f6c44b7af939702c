import type { SessionStore } from '../sessions/session-store.js';
import type { ContractRunner } from './contract-runner.js';

/**
 * Registers the contract every {@link SessionStore} keeps as tests of `runner`, against the store
 * `make` builds (once for the suite). Run it against your own implementation.
 *
 * @example
 * import * as vitest from 'vitest';
 * import { InMemorySessionStore, SystemClock } from 'nestjs-gatehouse';
 * import { sessionStoreContract } from 'nestjs-gatehouse/testing';
 *
 * sessionStoreContract(
 *   'InMemorySessionStore',
 *   async () => new InMemorySessionStore(new SystemClock()),
 *   vitest,
 * );
 */
export function sessionStoreContract(
  name: string,
  make: () => Promise<SessionStore>,
  runner: ContractRunner,
): void {
  const { describe, it, expect, beforeAll } = runner;
  describe(`${name} keeps the SessionStore contract`, () => {
    let store: SessionStore;
    beforeAll(async () => {
      store = await make();
    });

    it('stores, returns a copy of, and destroys sessions', async () => {
      const session = { cookie: { path: '/' }, gatehouse: { identity: 'u1', n: 1 } };
      await store.set('sid-1', session, 60_000);
      session.gatehouse.n = 2;
      expect(await store.get('sid-1')).toEqual({
        cookie: { path: '/' },
        gatehouse: { identity: 'u1', n: 1 },
      });
      await store.destroy('sid-1');
      expect(await store.get('sid-1')).toBeNull();
      await store.destroy('never-existed');
      expect(await store.get('never-existed')).toBeNull();
    });

    it('writes with `onlyIfStored` only a session that is still stored', async () => {
      await store.set('sid-live', { n: 1 }, 60_000);
      await store.set('sid-live', { n: 2 }, 60_000, { onlyIfStored: true });
      expect(await store.get('sid-live')).toEqual({ n: 2 });
      // A request that read the session before its logout saves it when it ends: it stays gone.
      await store.destroy('sid-live');
      await store.set('sid-live', { n: 3 }, 60_000, { onlyIfStored: true });
      expect(await store.get('sid-live')).toBeNull();
      await store.set('sid-never', { n: 1 }, 60_000, { onlyIfStored: true });
      expect(await store.get('sid-never')).toBeNull();
      await store.set('sid-never', { n: 1 }, 60_000, { onlyIfStored: false });
      expect(await store.get('sid-never')).toEqual({ n: 1 });
      await store.destroy('sid-never');
    });

    it('keeps a per-user index', async () => {
      await store.addToIndex('u2', 'a', 60_000);
      await store.addToIndex('u2', 'b', 60_000);
      await store.addToIndex('u3', 'c', 60_000);
      expect((await store.listIndex('u2')).sort()).toEqual(['a', 'b']);
      await store.removeFromIndex('u2', 'a');
      expect(await store.listIndex('u2')).toEqual(['b']);
      expect(await store.listIndex('nobody')).toEqual([]);
    });
  });
}

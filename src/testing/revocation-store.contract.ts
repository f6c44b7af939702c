import type { RevocationStore } from '../jwt/revocation/revocation-store.js';
import type { ContractRunner } from './contract-runner.js';
import { FakeClock } from './fake-clock.js';

/** What a store's spec hands {@link revocationStoreContract}: the store, and control of its time. */
export interface RevocationStoreHarness {
  store: RevocationStore;
  /** Lets `ms` pass for the store: the fake clock moves and entries age accordingly. */
  advance(ms: number): Promise<void>;
  /** How many entries (keys) the store holds now. */
  entries(): Promise<number>;
  close(): Promise<void>;
}

let counter = 0;
const unique = (what: string) => `${what}-${process.pid}-${Date.now()}-${++counter}`;

/**
 * Registers the behaviour every `RevocationStore` must have (see its JSDoc) as tests of `runner`,
 * against the store `make` builds on the given clock. Run it against your own implementation.
 *
 * @example
 * import * as vitest from 'vitest';
 * import { InMemoryRevocationStore } from 'nestjs-gatehouse';
 * import { revocationStoreContract } from 'nestjs-gatehouse/testing';
 *
 * revocationStoreContract(
 *   'InMemoryRevocationStore',
 *   async (clock) => {
 *     const store = new InMemoryRevocationStore(clock);
 *     return {
 *       store,
 *       advance: async (ms) => void clock.advance(ms),
 *       entries: async () => store.size,
 *       close: async () => undefined,
 *     };
 *   },
 *   vitest,
 * );
 */
export function revocationStoreContract(
  name: string,
  make: (clock: FakeClock) => Promise<RevocationStoreHarness>,
  runner: ContractRunner,
): void {
  const { describe, it, expect, beforeAll, afterAll, beforeEach } = runner;
  describe(`RevocationStore contract: ${name}`, () => {
    const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
    let h: RevocationStoreHarness;
    const token = (extra: Partial<Parameters<RevocationStore['isRevoked']>[0]> = {}) => ({
      tokenId: unique('jti'),
      subject: unique('user'),
      issuedAt: clock.now() - 1000,
      ...extra,
    });

    beforeAll(async () => {
      h = await make(clock);
    });
    afterAll(() => h.close());
    beforeEach(() => clock.advance(10_000));

    it('revokes one token id until its time, and only that one', async () => {
      const t = token();
      const other = token();
      expect(await h.store.isRevoked(t)).toBe(false);
      await h.store.revokeToken(t.tokenId, clock.now() + 60_000);
      expect(await h.store.isRevoked(t)).toBe(true);
      expect(await h.store.isRevoked(other)).toBe(false);
      await h.advance(59_000);
      expect(await h.store.isRevoked(t)).toBe(true);
      await h.advance(2_000);
      expect(await h.store.isRevoked(t)).toBe(false);
    });

    it('ignores revocations whose time has already passed', async () => {
      const t = token();
      await h.store.revokeToken(t.tokenId, clock.now() - 1);
      await h.store.revokeFamily('fam-past', clock.now());
      expect(await h.store.isRevoked(t)).toBe(false);
      expect(await h.store.isRevoked(token({ family: 'fam-past' }))).toBe(false);
    });

    it('revokes a family: every token naming it', async () => {
      const family = unique('fam');
      const a = token({ family });
      const b = token({ family, subject: a.subject });
      const outside = token({ subject: a.subject });
      await h.store.revokeFamily(family, clock.now() + 60_000);
      expect(await h.store.isRevoked(a)).toBe(true);
      expect(await h.store.isRevoked(b)).toBe(true);
      expect(await h.store.isRevoked(outside)).toBe(false);
    });

    it('checks a token without an id by its family and its subject cut-off alone', async () => {
      const family = unique('fam');
      const subject = unique('user');
      const { tokenId: _, ...noId } = token({ subject, family });
      expect(await h.store.isRevoked(noId)).toBe(false);
      await h.store.revokeFamily(family, clock.now() + 60_000);
      expect(await h.store.isRevoked(noId)).toBe(true);
      const { tokenId: __, ...later } = token({ subject });
      expect(await h.store.isRevoked(later)).toBe(false);
      await h.store.revokeSubject(subject, clock.now(), clock.now() + 60_000);
      expect(await h.store.isRevoked(later)).toBe(true);
    });

    it('revokes every token of a subject issued at or before the cut-off, not after', async () => {
      const subject = unique('user');
      const cutoff = clock.now();
      await h.store.revokeSubject(subject, cutoff, cutoff + 60_000);
      expect(await h.store.isRevoked(token({ subject, issuedAt: cutoff - 5000 }))).toBe(true);
      expect(await h.store.isRevoked(token({ subject, issuedAt: cutoff }))).toBe(true);
      expect(await h.store.isRevoked(token({ subject, issuedAt: cutoff + 1 }))).toBe(false);
      expect(await h.store.isRevoked(token({ issuedAt: cutoff - 5000 }))).toBe(false);
    });

    it('never moves a subject cut-off backwards, nor shortens it', async () => {
      const subject = unique('user');
      const cutoff = clock.now();
      await h.store.revokeSubject(subject, cutoff, cutoff + 60_000);
      await h.store.revokeSubject(subject, cutoff - 30_000, cutoff + 10_000);
      expect(await h.store.isRevoked(token({ subject, issuedAt: cutoff - 1 }))).toBe(true);
      await h.advance(30_000);
      expect(await h.store.isRevoked(token({ subject, issuedAt: cutoff - 1 }))).toBe(true);
      await h.advance(31_000);
      expect(await h.store.isRevoked(token({ subject, issuedAt: cutoff - 1 }))).toBe(false);
    });

    it('spares one refresh family from a cut-off, and only that one', async () => {
      const subject = unique('user');
      const [kept, other] = [unique('fam'), unique('fam')];
      const cutoff = clock.now();
      await h.store.revokeSubject(subject, cutoff, cutoff + 60_000, kept);
      const before = cutoff - 5000;
      expect(await h.store.isRevoked(token({ subject, family: kept, issuedAt: before }))).toBe(
        false,
      );
      expect(await h.store.isRevoked(token({ subject, family: kept, issuedAt: cutoff }))).toBe(
        false,
      );
      expect(await h.store.isRevoked(token({ subject, family: other, issuedAt: before }))).toBe(
        true,
      );
      expect(await h.store.isRevoked(token({ subject, issuedAt: cutoff }))).toBe(true);
      expect(await h.store.isRevoked(token({ subject, family: other, issuedAt: cutoff + 1 }))).toBe(
        false,
      );
      expect(await h.store.isRevoked(token({ family: other, issuedAt: before }))).toBe(false);
      await h.advance(61_000);
      expect(await h.store.isRevoked(token({ subject, family: other, issuedAt: before }))).toBe(
        false,
      );
    });

    it('never lets a spared family through a cut-off that did not spare it, in any order', async () => {
      const [f, g] = [unique('fam'), unique('fam')];
      const t0 = clock.now() - 20_000;
      const [t1, t2] = [t0 + 10_000, t0 + 20_000];
      const until = clock.now() + 60_000;
      /** Whether a token of `family` from `at` is refused after the cut-offs `writes`, in order. */
      const refusedAfter = async (
        writes: [before: number, except?: string][],
        family: string | undefined,
        at: number,
      ) => {
        const subject = unique('user');
        for (const [before, except] of writes) {
          await h.store.revokeSubject(subject, before, until, except);
        }
        return h.store.isRevoked(token({ subject, family, issuedAt: at }));
      };
      for (const writes of [
        [[t1], [t2, f]],
        [[t2, f], [t1]],
      ] as [number, string?][][]) {
        // Everything up to t1 is refused, F too; from t1 to t2 everything but F.
        expect(await refusedAfter(writes, f, t1)).toBe(true);
        expect(await refusedAfter(writes, f, t1 + 1)).toBe(false);
        expect(await refusedAfter(writes, g, t2)).toBe(true);
        expect(await refusedAfter(writes, g, t2 + 1)).toBe(false);
      }
      for (const writes of [
        [
          [t1, f],
          [t2, g],
        ],
        [
          [t2, g],
          [t1, f],
        ],
      ] as [number, string][][]) {
        // Each family is refused by the cut-off that spares the other one.
        expect(await refusedAfter(writes, f, t1)).toBe(true);
        expect(await refusedAfter(writes, g, t1)).toBe(true);
        expect(await refusedAfter(writes, f, t1 + 1)).toBe(true);
        expect(await refusedAfter(writes, g, t1 + 1)).toBe(false);
        expect(await refusedAfter(writes, undefined, t2)).toBe(true);
        expect(await refusedAfter(writes, g, t2 + 1)).toBe(false);
      }
      // Sparing the same family twice spares it up to the later cut-off.
      const twice: [number, string][] = [
        [t1, f],
        [t2, f],
      ];
      expect(await refusedAfter(twice, f, t0)).toBe(false);
      expect(await refusedAfter(twice, g, t2)).toBe(true);
    });

    it('spends each generation once: consumed, then reused', async () => {
      const family = unique('fam');
      const until = clock.now() + 60_000;
      expect(await h.store.consumeRefreshToken(family, 0, until)).toBe('consumed');
      expect(await h.store.consumeRefreshToken(family, 0, until)).toBe('reused');
      expect(await h.store.consumeRefreshToken(family, 1, until)).toBe('consumed');
      expect(await h.store.consumeRefreshToken(family, 2, until)).toBe('consumed');
      // An older token of the family, presented after a newer one was spent, is a replay too.
      expect(await h.store.consumeRefreshToken(family, 1, until)).toBe('reused');
      expect(await h.store.consumeRefreshToken(family, 0, until)).toBe('reused');
      // Families are independent.
      expect(await h.store.consumeRefreshToken(unique('fam'), 0, until)).toBe('consumed');
    });

    it('reports a revoked family when spending', async () => {
      const family = unique('fam');
      await h.store.consumeRefreshToken(family, 0, clock.now() + 60_000);
      await h.store.revokeFamily(family, clock.now() + 60_000);
      expect(await h.store.consumeRefreshToken(family, 1, clock.now() + 60_000)).toBe(
        'family_revoked',
      );
      expect(await h.store.consumeRefreshToken(unique('fam'), 0, clock.now() + 60_000)).toBe(
        'consumed',
      );
    });

    it('of many concurrent spends of one generation, exactly one is consumed', async () => {
      const family = unique('fam');
      await h.store.consumeRefreshToken(family, 0, clock.now() + 60_000);
      const results = await Promise.all(
        Array.from({ length: 25 }, () =>
          h.store.consumeRefreshToken(family, 1, clock.now() + 60_000),
        ),
      );
      expect(results.filter((r) => r === 'consumed')).toHaveLength(1);
      expect(results.filter((r) => r === 'reused')).toHaveLength(24);
    });

    it('within a reuse grace window, the just-spent generation is in_grace, not reused', async () => {
      const family = unique('fam');
      const until = clock.now() + 60_000;
      const grace = { reuseGraceMs: 5_000 };
      expect(await h.store.consumeRefreshToken(family, 0, until, grace)).toBe('consumed');
      expect(await h.store.consumeRefreshToken(family, 0, until, grace)).toBe('in_grace');
      await h.advance(5_000);
      expect(await h.store.consumeRefreshToken(family, 0, until, grace)).toBe('in_grace');
      await h.advance(1);
      expect(await h.store.consumeRefreshToken(family, 0, until, grace)).toBe('reused');
      // The next generation still spends and opens its own window; an older one is a replay.
      expect(await h.store.consumeRefreshToken(family, 1, until, grace)).toBe('consumed');
      expect(await h.store.consumeRefreshToken(family, 0, until, grace)).toBe('reused');
      expect(await h.store.consumeRefreshToken(family, 1, until, grace)).toBe('in_grace');
      // The window belongs to the spend that opened it, and ends with it.
      await h.advance(5_001);
      expect(await h.store.consumeRefreshToken(family, 1, until, grace)).toBe('reused');
    });

    it('opens no window for a spend made without one, and never hides a revoked family', async () => {
      const family = unique('fam');
      const until = clock.now() + 60_000;
      const grace = { reuseGraceMs: 5_000 };
      expect(await h.store.consumeRefreshToken(family, 0, until)).toBe('consumed');
      expect(await h.store.consumeRefreshToken(family, 0, until, grace)).toBe('reused');
      expect(await h.store.consumeRefreshToken(family, 1, until, grace)).toBe('consumed');
      await h.store.revokeFamily(family, until);
      expect(await h.store.consumeRefreshToken(family, 1, until, grace)).toBe('family_revoked');
    });

    it('of many concurrent spends of one generation within a window, one is consumed, the rest in_grace', async () => {
      const family = unique('fam');
      const until = clock.now() + 60_000;
      const results = await Promise.all(
        Array.from({ length: 25 }, () =>
          h.store.consumeRefreshToken(family, 0, until, { reuseGraceMs: 5_000 }),
        ),
      );
      expect(results.filter((r) => r === 'consumed')).toHaveLength(1);
      expect(results.filter((r) => r === 'in_grace')).toHaveLength(24);
    });

    it('takes the user a write is for (owner) without changing what it does', async () => {
      const owner = unique('user');
      const t = token({ subject: owner });
      const family = unique('fam');
      await h.store.revokeToken(t.tokenId, clock.now() + 60_000, owner);
      await h.store.revokeFamily(family, clock.now() + 60_000, owner);
      expect(await h.store.isRevoked(t)).toBe(true);
      expect(await h.store.isRevoked(token({ subject: owner, family }))).toBe(true);
      const spent = unique('fam');
      const until = clock.now() + 60_000;
      expect(await h.store.consumeRefreshToken(spent, 0, until, { owner })).toBe('consumed');
      expect(await h.store.consumeRefreshToken(spent, 0, until, { owner })).toBe('reused');
    });

    it('keeps one entry per family however many times it rotates', async () => {
      const family = unique('fam');
      const until = clock.now() + 60_000;
      const before = await h.entries();
      for (let generation = 0; generation < 50; generation++) {
        expect(await h.store.consumeRefreshToken(family, generation, until)).toBe('consumed');
      }
      expect(await h.store.consumeRefreshToken(family, 48, until)).toBe('reused');
      expect((await h.entries()) - before).toBe(1);
    });

    it('forgets a family after its time', async () => {
      const family = unique('fam');
      await h.store.consumeRefreshToken(family, 0, clock.now() + 5_000);
      await h.advance(6_000);
      // By then the family has ended, and its tokens are refused before reaching the store.
      expect(await h.store.consumeRefreshToken(family, 0, clock.now() + 5_000)).toBe('consumed');
    });
  });
}

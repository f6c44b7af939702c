import { describe, expect, it } from 'vitest';
import {
  ADMIT_ONE_IN,
  ADMIT_ONE_IN_COLD,
  COLD_HIT_RATE,
  LOOK_UP_ONE_IN_COLD,
  VerifiedTokenCache,
} from './verified-token.cache.js';

/** A token-shaped string whose signature part is `sig`. */
const token = (sig: string, body = 'h.p') => `${body}.${sig}`;

/**
 * A cache of `capacity`, with `fresh()` making a token never seen before and `miss()` looking
 * one up (it must miss) and offering it, which answers whether it was admitted.
 */
function missingCache(capacity: number) {
  const cache = new VerifiedTokenCache<number>(capacity);
  let made = 0;
  const fresh = () => token(`fresh-${made++}`);
  const miss = () => {
    const t = fresh();
    expect(cache.get(t)).toBeUndefined();
    return cache.set(t, 0);
  };
  return { cache, fresh, miss };
}

describe('VerifiedTokenCache', () => {
  it('hits only on the exact same token, not on another with the same signature part', () => {
    const cache = new VerifiedTokenCache<number>(4);
    cache.set(token('s1'), 1);
    expect(cache.get(token('s1'))).toBe(1);
    expect(cache.get(token('s1', 'h.other'))).toBeUndefined();
    expect(cache.get(token('s2'))).toBeUndefined();
  });

  it('hits only on the exact same characters, also for a token that latin1 cannot hold', () => {
    const cache = new VerifiedTokenCache<number>(4);
    // U+0141 and U+0041 share their low byte, so a latin1 round trip would make them equal.
    cache.set(token('s1', 'h.p\u0141'), 1);
    expect(cache.get(token('s1', 'h.pA'))).toBeUndefined();
    expect(cache.get(token('s1', 'h.p\u0141'))).toBe(1);
    // A slice of a longer string, as a token cut from its header, is found by an equal string.
    const header = `Bearer ${token('s2')}`;
    cache.set(header.slice(7), 2);
    expect(cache.get(token('s2'))).toBe(2);
  });

  it('keeps nothing with a capacity of 0', () => {
    const cache = new VerifiedTokenCache<number>(0);
    cache.set(token('s1'), 1);
    expect(cache.get(token('s1'))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the oldest entry first once full, and never holds more than its capacity', () => {
    const cache = new VerifiedTokenCache<number>(3);
    for (let i = 0; i < 3; i++) cache.set(token(`s${i}`), i);
    cache.get(token('s0')); // a hit does not make an entry younger (insertion order)
    cache.set(token('s3'), 3);
    expect(cache.size).toBe(3);
    expect(cache.get(token('s0'))).toBeUndefined();
    expect([1, 2, 3].map((i) => cache.get(token(`s${i}`)))).toEqual([1, 2, 3]);
  });

  it('stays bounded when more distinct tokens cycle than it has room for', () => {
    const capacity = 100;
    const cache = new VerifiedTokenCache<number>(capacity);
    const tokens = Array.from({ length: capacity * 3 }, (_, i) => token(`sig-${i}`));
    for (let round = 0; round < 20; round++) {
      tokens.forEach((t, i) => {
        if (cache.get(t) === undefined) cache.set(t, i);
        expect(cache.size).toBeLessThanOrEqual(capacity);
      });
    }
    expect(cache.size).toBe(capacity);
  });

  it('while thrashing admits one miss in ADMIT_ONE_IN, so some tokens hit again where FIFO would hit none', () => {
    const capacity = 100;
    const cache = new VerifiedTokenCache<number>(capacity);
    // Twice as many tokens as room, visited in a cycle: admitting every miss evicts each entry
    // just before its token returns.
    const tokens = Array.from({ length: capacity * 2 }, (_, i) => token(`sig-${i}`));
    let hits = 0;
    for (let round = 0; round < 60; round++) {
      for (const t of tokens) {
        if (cache.get(t) !== undefined) {
          if (round >= 40) hits++;
        } else {
          cache.set(t, round);
        }
      }
    }
    expect(cache.size).toBe(capacity);
    // Over the last 20 rounds a good part of the lookups hit (FIFO alone: none of them).
    expect(hits).toBeGreaterThan(20 * tokens.length * 0.2);
  });

  it('says whether it admitted a value, and a refused one is not found afterwards', () => {
    expect(new VerifiedTokenCache<number>(0).set(token('s0'), 0)).toBe(false);
    const capacity = 10;
    const cache = new VerifiedTokenCache<number>(capacity);
    const tokens = Array.from({ length: capacity * 4 }, (_, i) => token(`sig-${i}`));
    const answers: boolean[] = [];
    for (let round = 0; round < 200; round++) {
      for (const t of tokens) {
        if (cache.get(t) !== undefined) continue;
        answers.push(cache.set(t, round));
      }
    }
    // Thrashing: most misses are turned away, and some still get in.
    expect(answers.filter(Boolean).length).toBeGreaterThan(0);
    expect(answers.filter((a) => !a).length).toBeGreaterThan(answers.length / 2);
    const fresh = Array.from({ length: 32 }, (_, i) => token(`new-${i}`));
    const admitted = fresh.map((t) => cache.set(t, -1));
    expect(admitted).toContain(false);
    expect(fresh.map((t) => cache.get(t) !== undefined)).toEqual(admitted);
  });

  it('while some lookups hit but fewer than half, admits exactly one miss in ADMIT_ONE_IN', () => {
    const capacity = 1000;
    const cache = new VerifiedTokenCache<number>(capacity);
    for (let i = 0; i < capacity - 1; i++) cache.set(token(`filler-${i}`), i);
    const hot = token('hot');
    cache.set(hot, -1);
    let fresh = 0;
    // One window of 1,024 lookups: a quarter hit (the hot token, last of each four, so the
    // judgement at the 1,024th lookup comes after the window's misses), the rest are new tokens.
    const window = () => {
      let admitted = 0;
      for (let i = 0; i < 1024; i++) {
        if (i % 4 === 3) {
          expect(cache.get(hot)).toBe(-1);
        } else {
          const t = token(`fresh-${fresh++}`);
          expect(cache.get(t)).toBeUndefined();
          if (cache.set(t, 0)) admitted++;
        }
      }
      return admitted;
    };
    expect(window()).toBe(768); // not yet judged: every miss gets in
    expect(window()).toBe(768 / ADMIT_ONE_IN);
    expect(cache.size).toBe(capacity);
  });

  it('while almost no lookup hits, admits exactly one miss in ADMIT_ONE_IN_COLD', () => {
    const capacity = 64;
    const { cache, miss } = missingCache(capacity);
    // Fill it and let one window of lookups judge the hit rate (none hit).
    for (let i = 0; i < 1024; i++) miss();
    let admitted = 0;
    const misses = ADMIT_ONE_IN_COLD * 40;
    for (let i = 0; i < misses; i++) if (miss()) admitted++;
    expect(admitted).toBe(40);
    expect(admitted).toBeLessThan(misses / ADMIT_ONE_IN / 10);
    expect(cache.size).toBe(capacity);
  });

  it('while almost no lookup hits, looks up about one token in LOOK_UP_ONE_IN_COLD, and finds a cached one only then', () => {
    const capacity = 64;
    const { cache, miss, fresh } = missingCache(capacity);
    for (let i = 0; i < 4096; i++) miss();
    // Cold now, and kept cold: one lookup of a cached token per 128 misses hits too rarely to
    // lift it. The cached token is the last admitted, so it outlives the run.
    const hot = token('hot');
    let stored = false;
    while (!stored) stored = cache.set(hot, 7);
    let found = 0;
    const asks = 2000;
    for (let n = 0; n < asks; n++) {
      for (let i = 0; i < 127; i++) {
        if (cache.get(fresh()) !== undefined) throw new Error('a fresh token was found');
      }
      const value = cache.get(hot);
      if (value !== undefined) {
        expect(value).toBe(7);
        found++;
      }
    }
    // Binomial (2000, 1/8): mean 250, standard deviation about 15.
    expect(found).toBeGreaterThan(asks / LOOK_UP_ONE_IN_COLD - 100);
    expect(found).toBeLessThan(asks / LOOK_UP_ONE_IN_COLD + 100);
    expect(cache.size).toBe(capacity);
  });

  it('looks up every token while it is not full, even after a window in which none hit', () => {
    const cache = new VerifiedTokenCache<number>(4096);
    // A reconnect storm: a window of first-time tokens, every one a miss, admitted as it comes.
    const first = Array.from({ length: 1024 }, (_, i) => token(`first-${i}`));
    first.forEach((t, i) => {
      expect(cache.get(t)).toBeUndefined();
      expect(cache.set(t, i)).toBe(true);
    });
    // Judged cold, but with room to spare: each of them is found on its next request.
    expect(first.map((t) => cache.get(t))).toEqual(first.map((_, i) => i));
  });

  it('out of the cold, first admits one miss in ADMIT_ONE_IN, even when its entries hit most lookups', () => {
    const capacity = 64;
    const cache = new VerifiedTokenCache<number>(capacity);
    const held = Array.from({ length: capacity }, (_, i) => token(`held-${i}`));
    held.forEach((t, i) => cache.set(t, i));
    // A window of lookups that all miss (nothing offered): cold, with its entries kept.
    for (let i = 0; i < 1024; i++) expect(cache.get(token(`gone-${i}`))).toBeUndefined();
    // A window in which the entries it held hit most lookups.
    for (let i = 0; i < 1024; i++) cache.get(held[i % capacity]!);
    // Admitting every miss now would evict them all; one in ADMIT_ONE_IN gets in.
    const admitted = Array.from({ length: 2 * ADMIT_ONE_IN }, (_, i) =>
      cache.set(token(`new-${i}`), -1),
    ).filter(Boolean).length;
    expect(admitted).toBe(2);
  });

  it('from cold, comes back to holding a working set that fits within a few windows', () => {
    const capacity = 64;
    const cache = new VerifiedTokenCache<number>(capacity);
    for (let i = 0; i < 4096; i++) {
      const t = token(`cold-${i}`);
      if (cache.get(t) === undefined) cache.set(t, 0);
    }
    // Half the room's worth of tokens, visited in a cycle: each cached one hits 1024/32 times a
    // window, which is COLD_HIT_RATE's threshold, so the first admitted one lifts the rate.
    const working = Array.from({ length: capacity / 2 }, (_, i) => token(`work-${i}`));
    expect(working.length).toBe(COLD_HIT_RATE);
    let lastWindowHits = 0;
    for (let i = 0; i < 1024 * 12; i++) {
      const t = working[i % working.length]!;
      const hit = cache.get(t) !== undefined;
      if (!hit) cache.set(t, i);
      if (i >= 1024 * 11 && hit) lastWindowHits++;
    }
    expect(lastWindowHits).toBe(1024);
  });

  it('admits every miss while most lookups hit, even when full', () => {
    const capacity = 50;
    const cache = new VerifiedTokenCache<number>(capacity);
    const tokens = Array.from({ length: capacity }, (_, i) => token(`sig-${i}`));
    tokens.forEach((t, i) => cache.set(t, i));
    for (let i = 0; i < 4096; i++) cache.get(tokens[i % capacity]!);
    for (let i = 0; i < 10; i++) {
      const fresh = token(`new-${i}`);
      expect(cache.get(fresh)).toBeUndefined();
      cache.set(fresh, i);
      expect(cache.get(fresh)).toBe(i);
    }
    expect(cache.size).toBe(capacity);
  });

  it('replaces an entry in place: a second set of the same token takes no more room', () => {
    const cache = new VerifiedTokenCache<number>(2);
    cache.set(token('a'), 1);
    cache.set(token('a'), 2);
    cache.set(token('b'), 3);
    expect(cache.size).toBe(2);
    expect(cache.get(token('a'))).toBe(2);
    cache.set(token('c'), 4);
    expect(cache.get(token('a'))).toBeUndefined();
    expect(cache.get(token('b'))).toBe(3);
  });

  it('forgets a deleted token, and stays bounded when it is stored again', () => {
    const cache = new VerifiedTokenCache<number>(2);
    cache.set(token('a'), 1);
    cache.delete(token('a', 'h.other')); // another token with that signature part: kept
    expect(cache.get(token('a'))).toBe(1);
    cache.delete(token('a'));
    expect(cache.get(token('a'))).toBeUndefined();
    for (const sig of ['a', 'b', 'a', 'c', 'd', 'a']) {
      cache.set(token(sig), 0);
      expect(cache.size).toBeLessThanOrEqual(2);
    }
    expect(cache.get(token('a'))).toBe(0);
  });
});

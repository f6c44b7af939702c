import { describe, expect, it } from 'vitest';
import { ExpiringKeys } from './expiring-keys.js';

/** A deterministic generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('ExpiringKeys', () => {
  it('finds a key until its time and not from then on, and forgets one met expired', () => {
    const table = new ExpiringKeys<string>();
    table.set('a', 100, 'va');
    table.set('b', 200);
    expect(table.find('a', 99)).toBeGreaterThanOrEqual(0);
    expect(table.valueAt(table.find('a', 99))).toBe('va');
    expect(table.untilAt(table.find('b', 0))).toBe(200);
    expect(table.valueAt(table.find('b', 0))).toBeUndefined();
    expect(table.find('c', 0)).toBe(-1);
    expect(table.find('a', 100)).toBe(-1);
    expect(table.size).toBe(1);
    expect(table.find('b', 199)).toBeGreaterThanOrEqual(0);
  });

  it('replaces an entry in place, its value included', () => {
    const table = new ExpiringKeys<string>();
    table.set('a', 100, 'first');
    table.set('a', 300);
    expect(table.size).toBe(1);
    expect(table.untilAt(table.find('a', 200))).toBe(300);
    expect(table.valueAt(table.find('a', 200))).toBeUndefined();
  });

  const keyNumber = (key: string) => Number(key.slice(1)) | 0;
  // Hashes that make keys collide as the seeded one almost never does: every key on one hash,
  // four hashes, one tag with many homes, one home with many tags.
  const hashes: [string, ((key: string, seed: number) => number) | undefined, number][] = [
    ['the seeded hash', undefined, 60_000],
    ['one hash for every key', () => 0, 8_000],
    ['four hashes', (key) => (keyNumber(key) % 4) * 0x10001, 8_000],
    ['one tag, many homes', (key) => keyNumber(key) & 0xffff, 20_000],
    ['one home, many tags', (key) => (keyNumber(key) & 0x7fff) << 16, 20_000],
  ];

  it.each(hashes)(
    'agrees with a plain Map through growth, purges, sweeps and shrinking (%s)',
    (_, hash, steps) => {
      const next = random(7);
      const table = new ExpiringKeys<number>(hash);
      const model = new Map<string, { until: number; value?: number }>();
      let now = 0;
      const wrong: string[] = [];
      for (let step = 0; step < steps; step++) {
        // Few enough keys that they recur, many enough that the table grows and shrinks.
        const key = `k${Math.floor(next() * (step < steps / 2 ? 5000 : 300))}`;
        const roll = next();
        if (roll < 0.5) {
          const until = now + 1 + Math.floor(next() * 400);
          const value = next() < 0.5 ? step : undefined;
          table.set(key, until, value);
          model.set(key, { until, value });
        } else if (roll < 0.9) {
          const index = table.find(key, now);
          const held = model.get(key);
          const live = held !== undefined && held.until > now;
          const same =
            index >= 0 === live &&
            (!live || (table.untilAt(index) === held.until && table.valueAt(index) === held.value));
          if (!same) wrong.push(`${key} at step ${step}`);
        } else if (roll < 0.99) {
          table.purge(now, 4);
        } else {
          table.sweep(now);
          for (const [k, held] of model) if (held.until <= now) model.delete(k);
          expect(table.size).toBe(model.size);
        }
        if (next() < 0.3) now++;
      }
      expect(wrong).toEqual([]);
      // Every live key of the model is found, and nothing else is.
      now += 1;
      table.sweep(now);
      for (const [k, held] of model) if (held.until <= now) model.delete(k);
      expect(table.size).toBe(model.size);
      for (const [k, held] of model) expect(table.untilAt(table.find(k, now))).toBe(held.until);
    },
  );

  it('keeps an entry whose until is not a number, as purge and sweep do, rather than forget it', () => {
    const table = new ExpiringKeys();
    table.set('odd', Number.NaN);
    expect(table.find('odd', 1_000)).toBeGreaterThanOrEqual(0);
    table.purge(1_000, 4);
    table.sweep(1_000);
    expect(table.find('odd', 2_000)).toBeGreaterThanOrEqual(0);
  });

  it('purges a bounded number of entries per call, and in calls enough all the expired ones', () => {
    const table = new ExpiringKeys();
    for (let i = 0; i < 1000; i++) table.set(`t${i}`, i % 2 === 0 ? 10 : 1_000);
    table.purge(10, 8);
    // At most 8 examined, so at most 8 dropped.
    expect(table.size).toBeGreaterThanOrEqual(992);
    for (let call = 0; call < 1000 / 8; call++) table.purge(10, 8);
    expect(table.size).toBe(500);
    expect(table.find('t1', 10)).toBeGreaterThanOrEqual(0);
    expect(table.find('t0', 10)).toBe(-1);
  });

  it('skips a sweep while nothing can have expired, and says so', () => {
    const table = new ExpiringKeys();
    table.set('a', 50);
    table.set('b', 20);
    expect(table.mayHaveExpired(19)).toBe(false);
    table.sweep(19);
    expect(table.size).toBe(2);
    expect(table.mayHaveExpired(20)).toBe(true);
    table.sweep(20);
    expect(table.size).toBe(1);
    expect(table.mayHaveExpired(20)).toBe(false);
  });
});

import { randomBytes } from 'node:crypto';

/** Slots of an empty table (a power of two). */
const MIN_SLOTS = 16;

/**
 * A set of string keys, each with the time it may be forgotten (`until`) and, for some kinds, a
 * value: the in-memory revocation store's tables. Built for the request path of a store holding
 * a million entries, where almost every lookup is of a key that is absent:
 *
 * - **One cache line per absent key.** The keys' 32-bit hashes sit in an open-addressing table of
 *   plain integers (linear probing, at most half full), so an absent key is known from the hashes
 *   alone, without reading any stored key. A `Map` reads its bucket, then each entry of the chain
 *   and each entry's key string: several cache misses per lookup, which once the table outgrows
 *   the CPU caches cost about a tenth of a cached JWT request (measured on Node 20).
 * - **No object per entry.** Keys, hashes and `until`s are kept in flat arrays (struct of
 *   arrays), so a million entries are a million key strings for the collector, not three million
 *   objects.
 * - **Bounded work per call.** Expired entries are dropped when met, and {@link purge} examines a
 *   given number of entries from where it last stopped: no call walks the whole table except
 *   {@link sweep}, which the store runs only when full with something expired.
 *
 * The hash is seeded per table from random bytes, so which keys collide differs per process.
 */
export class ExpiringKeys<V = undefined> {
  private keys: string[] = [];
  private hashes = new Int32Array(MIN_SLOTS / 2);
  private untils = new Float64Array(MIN_SLOTS / 2);
  private values: (V | undefined)[] = [];
  /**
   * Per slot, the upper 16 bits of its key's hash, never 0: 0 is an empty slot. Up to 65,536
   * slots they are bits the slot's position does not give; past that they overlap it, which
   * costs more full comparisons, never a wrong answer (a tag only rules a key out). Scanned alone for an absent key, so a million entries' probes fit in 4 MiB.
   */
  private tags = new Uint16Array(MIN_SLOTS);
  /** Per slot, the index of its entry. */
  private slots = new Int32Array(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  private cursor = 0;
  /** No entry expires before this (a lower bound): a sweep before it would drop nothing. */
  private earliest = Infinity;
  private readonly seed = randomBytes(4).readInt32LE(0);

  /**
   * @param hash The keys' hash; replaced only by specs, to make keys share tags, homes or whole
   *   hashes, which the seeded hash almost never does.
   * @internal
   */
  constructor(private readonly hash: (key: string, seed: number) => number = hashOf) {}

  /** How many entries are held (expired ones included until dropped). */
  get size(): number {
    return this.keys.length;
  }

  /** The index of `key`'s entry if it is live at `now`, else -1 (an expired one is dropped). */
  find(key: string, now: number): number {
    if (this.keys.length === 0) return -1;
    const index = this.indexOf(key, this.hash(key, this.seed));
    // Written as "not expired", not as "until > now": an until that is not a number (NaN) is
    // never expired, as purge and sweep see it, rather than forgotten at the first lookup.
    if (index < 0 || !(this.untils[index]! <= now)) return index;
    this.removeAt(index);
    return -1;
  }

  /** The `until` of the entry at `index` (from {@link find}). */
  untilAt(index: number): number {
    return this.untils[index]!;
  }

  /** The value of the entry at `index` (from {@link find}). */
  valueAt(index: number): V | undefined {
    return this.values[index];
  }

  /** Keeps `key` until `until` with `value`, replacing its entry if it has one. */
  set(key: string, until: number, value?: V): void {
    const hash = this.hash(key, this.seed);
    let index = this.indexOf(key, hash);
    if (index < 0) {
      index = this.keys.length;
      if ((index + 1) * 2 > this.mask + 1) this.resize((this.mask + 1) * 2);
      if (index === this.untils.length) this.growEntries();
      this.keys.push(key);
      this.hashes[index] = hash;
      this.place(hash, index);
    }
    this.untils[index] = until;
    if (value !== undefined || index < this.values.length) this.values[index] = value;
    if (until < this.earliest) this.earliest = until;
  }

  /**
   * Examines up to `steps` entries, going on from where the last call stopped, and drops those
   * expired at `now`: called on every write, it passes over the whole table as writes go on.
   */
  purge(now: number, steps: number): void {
    for (let n = 0; n < steps && this.keys.length > 0; n++) {
      if (this.cursor >= this.keys.length) this.cursor = 0;
      // Removing moves the last entry into the cursor's place: examine that one next.
      if (this.untils[this.cursor]! <= now) this.removeAt(this.cursor);
      else this.cursor++;
    }
    this.shrinkIfSparse();
  }

  /** Whether an entry may have expired at `now` (false: none has). */
  mayHaveExpired(now: number): boolean {
    return now >= this.earliest;
  }

  /** Drops every entry expired at `now`, walking the whole table unless none can have. */
  sweep(now: number): void {
    if (now < this.earliest) return;
    let earliest = Infinity;
    for (let index = this.keys.length - 1; index >= 0; index--) {
      const until = this.untils[index]!;
      if (until <= now) this.removeAt(index);
      else if (until < earliest) earliest = until;
    }
    this.earliest = earliest;
    this.shrinkIfSparse();
  }

  private indexOf(key: string, hash: number): number {
    const tags = this.tags;
    const tag = tagOf(hash);
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const found = tags[slot]!;
      if (found === 0) return -1;
      if (found !== tag) continue;
      const index = this.slots[slot]!;
      if (this.hashes[index] === hash && this.keys[index] === key) return index;
    }
  }

  /** The slot that holds entry `index`. */
  private slotOf(index: number): number {
    for (let slot = this.hashes[index]! & this.mask; ; slot = (slot + 1) & this.mask) {
      if (this.slots[slot] === index && this.tags[slot] !== 0) return slot;
    }
  }

  private place(hash: number, index: number): void {
    let slot = hash & this.mask;
    while (this.tags[slot] !== 0) slot = (slot + 1) & this.mask;
    this.tags[slot] = tagOf(hash);
    this.slots[slot] = index;
  }

  /** Drops entry `index`: its slot is closed up, and the last entry moves into its place. */
  private removeAt(index: number): void {
    this.closeSlot(this.slotOf(index));
    const last = this.keys.length - 1;
    if (index !== last) {
      this.slots[this.slotOf(last)] = index;
      this.keys[index] = this.keys[last]!;
      this.hashes[index] = this.hashes[last]!;
      this.untils[index] = this.untils[last]!;
      if (index < this.values.length) this.values[index] = this.values[last];
    }
    this.keys.pop();
    if (this.values.length > last) this.values.length = last;
  }

  /**
   * Empties `hole` and moves later slots of the same run back, so every key stays reachable
   * from its home slot without crossing an empty one (deletion without tombstones).
   */
  private closeSlot(hole: number): void {
    const { tags, slots, mask } = this;
    for (let next = (hole + 1) & mask; tags[next] !== 0; next = (next + 1) & mask) {
      const home = this.hashes[slots[next]!]! & mask;
      // The entry at `next` may move back to `hole` unless its home lies after the hole.
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      tags[hole] = tags[next]!;
      slots[hole] = slots[next]!;
      hole = next;
    }
    tags[hole] = 0;
  }

  private shrinkIfSparse(): void {
    const size = this.mask + 1;
    if (size > MIN_SLOTS && this.keys.length * 8 < size) this.resize(size / 2);
  }

  private resize(size: number): void {
    this.tags = new Uint16Array(size);
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let index = 0; index < this.keys.length; index++) this.place(this.hashes[index]!, index);
    if (this.untils.length > size) {
      this.hashes = this.hashes.slice(0, size / 2);
      this.untils = this.untils.slice(0, size / 2);
    }
  }

  private growEntries(): void {
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const untils = new Float64Array(this.untils.length * 2);
    untils.set(this.untils);
    this.untils = untils;
  }
}

/** The bits of `hash` a slot keeps: its upper half, but never 0 (an empty slot). */
function tagOf(hash: number): number {
  return hash >>> 16 || 1;
}

/** FNV-1a over the UTF-16 code units from `seed`, with Murmur3's finaliser to spread the bits. */
function hashOf(key: string, seed: number): number {
  let h = seed ^ key.length;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

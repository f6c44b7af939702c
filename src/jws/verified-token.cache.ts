import { ownCopy } from './own-copy.js';

/**
 * A bounded map from a token to its verification result, so a token presented
 * again skips parsing and signature checks. Only the exact same bytes hit, so a look-alike
 * token cannot use another's entry; expiry and revocation are still checked on every request.
 * When full, the oldest entry goes (insertion order): cheaper than LRU bookkeeping on every hit,
 * and tokens are short-lived anyway.
 *
 * With more live tokens than room, admitting every miss only churns: each entry is evicted before
 * its token comes back, and each insert costs more than the lookup it was meant to save. So while
 * the cache is full and fewer than half of the recent lookups hit, only one miss in
 * {@link ADMIT_ONE_IN} is admitted, and while almost none hit (fewer than one in
 * {@link COLD_HIT_RATE}), one in {@link ADMIT_ONE_IN_COLD}: a miss then costs what it costs with
 * the cache off, and the entries that are admitted live long enough to be hit again (an entry
 * admitted at the lower rate outlives 256 cache-fulls of misses). An entry never hit still
 * outlives the young generation and dies old, the dearest garbage for the collector, so with
 * ten or a hundred times more live tokens than room even one miss in 16 cost more than it saved.
 * While cold and full, only one lookup in {@link LOOK_UP_ONE_IN_COLD} is made at all: a lookup
 * that misses still reads the table's memory, which a stream of distinct tokens keeps out of the
 * CPU's caches (about 0.7 µs, a few per cent of an uncached request, measured on Node 20). A
 * skipped lookup only means a full verification, and the sampled ones still judge the hit rate,
 * so a working set that returns lifts the cache out of the cold state, to one miss in
 * {@link ADMIT_ONE_IN} first. The cost falls smoothly toward the uncached one as the live tokens
 * outnumber the room, never above it.
 *
 * Shared by the JWT backend (its own tokens) and the OIDC backend (an identity provider's).
 */
export class VerifiedTokenCache<T> {
  // Keyed by the signature part only: V8 hashes the whole key string on every lookup of a string
  // it has not seen before (each request's header is a new string), and the signature is a
  // fraction of the token. The entry keeps the full token, and a hit needs the exact same bytes.
  private readonly entries = new Map<string, { readonly token: string; readonly value: T }>();
  // The keys in insertion order, as a ring: the oldest is the one `next` points at once full.
  // Asking the Map for its first key instead walks past every entry deleted since V8 last
  // compacted the table, so with more live tokens than room each insert cost tens of
  // microseconds, more than the verification it saves (measured on Node 20).
  private readonly order: string[] = [];
  private next = 0;
  private lookups = 0;
  private hits = 0;
  /** One miss in this many is admitted once full: 1, ADMIT_ONE_IN or ADMIT_ONE_IN_COLD. */
  private admitOneIn = 1;
  private misses = 0;

  constructor(private readonly capacity: number) {}

  get(token: string): T | undefined {
    if (this.capacity === 0) return undefined;
    // Only once full: before, every miss is admitted, so a skipped lookup of a token the cache
    // holds would store it again (a reconnect storm of first-time tokens turns it cold at once).
    const sampling = this.admitOneIn === ADMIT_ONE_IN_COLD && this.order.length === this.capacity;
    let value: T | undefined;
    // Drawn at random, not every n-th: a working set cycled in step with a counter would have
    // the same few tokens looked up every time, and never be seen to return.
    if (!sampling || Math.random() * LOOK_UP_ONE_IN_COLD < 1) {
      const entry = this.entries.get(signatureOf(token));
      value = entry !== undefined && entry.token === token ? entry.value : undefined;
      // A sampled hit stands for the lookups it was drawn from, so the hit rate is still judged
      // every WINDOW requests, and a working set that returns is seen as soon as before.
      if (value !== undefined) this.hits += sampling ? LOOK_UP_ONE_IN_COLD : 1;
    }
    if (++this.lookups === WINDOW) {
      const rate =
        this.hits * 2 >= WINDOW
          ? 1
          : this.hits * COLD_HIT_RATE >= WINDOW
            ? ADMIT_ONE_IN
            : ADMIT_ONE_IN_COLD;
      // Out of the cold one step at a time: its entries are the few that outlived a stream of
      // misses, and hit far more often than what admitting every miss would keep. Going straight
      // to that evicts them all, and a working set twice the room would flip between the two.
      this.admitOneIn = rate === 1 && this.admitOneIn === ADMIT_ONE_IN_COLD ? ADMIT_ONE_IN : rate;
      this.lookups = 0;
      this.hits = 0;
    }
    return value;
  }

  /** Keeps `value` for `token`; `false` when it was not admitted (no room kept for it). */
  set(token: string, value: T): boolean {
    if (this.capacity === 0) return false;
    const full = this.order.length === this.capacity;
    // Decided before the key is cut out and looked up: a refused miss then costs a counter.
    if (full && this.admitOneIn > 1 && ++this.misses % this.admitOneIn !== 0) return false;
    // Its own copy, not the request's slice of its header: a hit then reads one string, and no
    // header stays alive.
    token = ownCopy(token);
    const key = signatureOf(token);
    if (this.entries.has(key)) {
      // Same signature, same place in the order: replacing keeps the ring and the map in step.
      this.entries.set(key, { token, value });
      return true;
    }
    if (!full) {
      this.order.push(key);
    } else {
      const oldest = this.order[this.next]!;
      this.entries.delete(oldest);
      this.order[this.next] = key;
      this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    }
    this.entries.set(key, { token, value });
    return true;
  }

  /** Forgets `token`, for an entry that must not be used again (its key was withdrawn). */
  delete(token: string): void {
    const key = signatureOf(token);
    // Its slot in the ring stays until its turn comes; deleting a key already gone is a no-op.
    if (this.entries.get(key)?.token === token) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Lookups over which the hit rate is judged. */
const WINDOW = 1024;
/** While thrashing, one miss in this many is admitted. */
export const ADMIT_ONE_IN = 16;
/** While fewer than one lookup in this many hits, the cache is cold: see {@link ADMIT_ONE_IN_COLD}. */
export const COLD_HIT_RATE = 32;
/** While the cache is cold (almost no lookup hits), one miss in this many is admitted. */
export const ADMIT_ONE_IN_COLD = 256;
/** While the cache is cold and full, one lookup in this many is made; the others miss without one. */
export const LOOK_UP_ONE_IN_COLD = 8;

/** The part after the last '.', which for a verified JWS is its signature. */
function signatureOf(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}

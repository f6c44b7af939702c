import type { VerifiedToken } from './token-claims.js';

/**
 * A bounded map from a full token string to its verification result, so a token presented
 * again skips parsing and signature checks. Only the exact same bytes hit, so a look-alike
 * token cannot use another's entry; expiry and revocation are still checked on every request.
 * When full, the oldest entry goes (insertion order): cheaper than LRU bookkeeping on every hit,
 * and tokens are short-lived anyway.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, VerifiedToken>();

  constructor(private readonly capacity: number) {}

  get(token: string): VerifiedToken | undefined {
    return this.capacity === 0 ? undefined : this.entries.get(token);
  }

  set(token: string, value: VerifiedToken): void {
    if (this.capacity === 0) return;
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, value);
  }

  get size(): number {
    return this.entries.size;
  }
}

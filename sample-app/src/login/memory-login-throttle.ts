import { createHash } from 'node:crypto';
import { Clock } from 'nestjs-gatehouse';
import { LoginThrottle, type LoginThrottleLimits } from './login-throttle.js';

/** Most accounts tracked at once; beyond it the oldest entries are dropped. */
const MAX_ENTRIES = 100_000;

/** Login-attempt counts in this process's memory, for a single instance. */
export class MemoryLoginThrottle extends LoginThrottle {
  private readonly entries = new Map<string, { count: number; expiresAt: number }>();

  constructor(
    private readonly limits: LoginThrottleLimits,
    private readonly clock: Clock,
  ) {
    super();
  }

  async attempt(account: string): Promise<number> {
    // No await in here: the count and the answer are one step in this process.
    const k = key(account);
    const now = this.clock.now();
    const window = this.limits.lockoutSeconds * 1000;
    const entry = this.live(k) ?? { count: 0, expiresAt: now + window };
    entry.count += 1;
    // The lockout runs for the full period from the attempt that reached the limit.
    if (entry.count === this.limits.maxAttempts) entry.expiresAt = now + window;
    this.entries.delete(k);
    this.entries.set(k, entry);
    this.prune();
    if (entry.count <= this.limits.maxAttempts) return 0;
    return Math.max(1, Math.ceil((entry.expiresAt - now) / 1000));
  }

  async reset(account: string): Promise<void> {
    this.entries.delete(key(account));
  }

  private live(k: string) {
    const entry = this.entries.get(k);
    if (entry && entry.expiresAt <= this.clock.now()) {
      this.entries.delete(k);
      return undefined;
    }
    return entry;
  }

  private prune(): void {
    // A Map iterates in insertion order and entries are re-inserted on each failure, so the
    // first ones are the least recently failed.
    while (this.entries.size > MAX_ENTRIES) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }
}

/** Accounts are case-insensitive and of any length; the key is a fixed-size digest. */
export function key(account: string): string {
  return createHash('sha256').update(account.toLowerCase()).digest('base64url');
}

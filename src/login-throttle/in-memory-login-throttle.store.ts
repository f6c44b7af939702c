import { Inject, Injectable, Optional } from '@nestjs/common';
import { Clock } from '../core/clock.js';
import { LoginThrottleStore, type LoginCount } from './login-throttle-store.js';

/** Settings of {@link InMemoryLoginThrottleStore}. */
export interface InMemoryLoginThrottleOptions {
  /**
   * The most keys kept; past it the least recently counted are forgotten (a flood of names
   * could so unlock an account early: use Redis for anything exposed). Default: `100000`.
   */
  maxEntries?: number;
}

/** DI token of {@link InMemoryLoginThrottleOptions}. */
export const IN_MEMORY_LOGIN_THROTTLE_OPTIONS = Symbol(
  'gatehouse:in-memory-login-throttle-options',
);

interface Count {
  attempts: number;
  endsAt: number;
}

/**
 * The default {@link LoginThrottleStore}: one process's memory, for a single instance and for
 * tests. Several instances need a shared store such as `RedisLoginThrottleStore`, or each would
 * allow its own `maxAttempts`.
 */
@Injectable()
export class InMemoryLoginThrottleStore extends LoginThrottleStore {
  private readonly counts = new Map<string, Count>();
  private readonly maxEntries: number;

  constructor(
    private readonly clock: Clock,
    @Optional() @Inject(IN_MEMORY_LOGIN_THROTTLE_OPTIONS) options?: InMemoryLoginThrottleOptions,
  ) {
    super();
    this.maxEntries = options?.maxEntries ?? 100_000;
  }

  /** How many keys are held now (expired ones included until met again or pushed out). */
  get size(): number {
    return this.counts.size;
  }

  async hit(key: string, limit: number, windowMs: number): Promise<LoginCount> {
    // No await in here: reading, counting and answering are one step for this process.
    const now = this.clock.now();
    const current = this.counts.get(key);
    const count =
      current !== undefined && current.endsAt > now
        ? current
        : { attempts: 0, endsAt: now + windowMs };
    count.attempts += 1;
    if (count.attempts === limit) count.endsAt = now + windowMs;
    // Re-inserted, so the map's order is least recently counted first.
    this.counts.delete(key);
    this.counts.set(key, count);
    while (this.counts.size > this.maxEntries) this.counts.delete(this.counts.keys().next().value!);
    return { attempts: count.attempts, remainingMs: Math.max(1, count.endsAt - now) };
  }

  async reset(key: string): Promise<void> {
    this.counts.delete(key);
  }
}

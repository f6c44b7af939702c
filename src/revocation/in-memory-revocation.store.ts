import { Inject, Injectable, Optional } from '@nestjs/common';
import { Clock } from '../clock.js';
import { AuthUnavailableError } from '../errors/auth-error.js';
import { RevocationStore, type ConsumeResult, type RevocationSubject } from './revocation-store.js';

/** Settings of {@link InMemoryRevocationStore}. */
export interface InMemoryRevocationOptions {
  /**
   * The most entries kept. When full of unexpired entries, new revocations fail (503) rather
   * than forget an old one, which would silently revive a revoked token. Default: `100000`.
   */
  maxEntries?: number;
}

/** DI token of {@link InMemoryRevocationOptions}. */
export const IN_MEMORY_REVOCATION_OPTIONS = Symbol('gatehouse:in-memory-revocation-options');

interface Entry {
  until: number;
  /** For subject cut-offs: tokens issued at or before this are refused. */
  before?: number;
}

const SWEEP_EVERY = 1024;

/**
 * The default {@link RevocationStore}: one process's memory. Right for a single instance and for
 * tests; several instances need a shared store such as `RedisRevocationStore`. Expired entries
 * are dropped as they are met and by a periodic sweep, and the size is bounded.
 */
@Injectable()
export class InMemoryRevocationStore extends RevocationStore {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private writes = 0;

  constructor(
    private readonly clock: Clock,
    @Optional() @Inject(IN_MEMORY_REVOCATION_OPTIONS) options?: InMemoryRevocationOptions,
  ) {
    super();
    this.maxEntries = options?.maxEntries ?? 100_000;
  }

  /** How many entries are held now (expired ones included until swept). */
  get size(): number {
    return this.entries.size;
  }

  async revokeToken(tokenId: string, until: number): Promise<void> {
    this.put(`t:${tokenId}`, { until });
  }

  async revokeFamily(family: string, until: number): Promise<void> {
    this.put(`f:${family}`, { until });
  }

  async revokeSubject(subject: string, before: number, until: number): Promise<void> {
    const key = `s:${subject}`;
    const current = this.live(key);
    this.put(key, {
      before: Math.max(before, current?.before ?? -Infinity),
      until: Math.max(until, current?.until ?? -Infinity),
    });
  }

  async isRevoked(token: RevocationSubject): Promise<boolean> {
    if (this.live(`t:${token.tokenId}`)) return true;
    if (token.family !== undefined && this.live(`f:${token.family}`)) return true;
    const cutoff = this.live(`s:${token.subject}`);
    return cutoff !== undefined && token.issuedAt <= cutoff.before!;
  }

  async consumeRefreshToken(
    tokenId: string,
    family: string,
    until: number,
  ): Promise<ConsumeResult> {
    // No await between the check and the set: that is what makes it atomic in one process.
    if (this.live(`f:${family}`)) return 'family_revoked';
    const key = `c:${tokenId}`;
    if (this.live(key)) return 'reused';
    this.put(key, { until });
    return 'consumed';
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(key: string, entry: Entry): void {
    if (entry.until <= this.clock.now()) return;
    if (++this.writes % SWEEP_EVERY === 0) this.sweep();
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) {
      this.sweep();
      if (this.entries.size >= this.maxEntries) {
        throw new AuthUnavailableError(
          `in-memory revocation store is full (${this.maxEntries} live entries)`,
        );
      }
    }
    this.entries.set(key, entry);
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.entries) if (entry.until <= now) this.entries.delete(key);
  }
}

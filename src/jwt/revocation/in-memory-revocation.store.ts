import { Inject, Injectable, Optional } from '@nestjs/common';
import { Clock } from '../../core/clock.js';
import { AuthUnavailableError } from '../../core/auth-error.js';
import {
  RevocationStore,
  type ConsumeOptions,
  type ConsumeResult,
  type RevocationSubject,
} from './revocation-store.js';
import { cutoffRefuses, mergeCutoff, type SubjectCutoff } from './subject-cutoff.js';

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
  /** For spent refresh tokens: the family's highest spent generation. */
  before?: number;
  /** For spent refresh tokens spent with a reuse grace window: when, and the window's end. */
  graceUntil?: number;
  /** For subjects: the tokens refused. */
  cutoff?: SubjectCutoff;
}

const SWEEP_EVERY = 1024;

/**
 * The default {@link RevocationStore}: one process's memory. Right for a single instance and for
 * tests; several instances need a shared store such as `RedisRevocationStore`. Expired entries
 * are dropped as they are met and by a periodic sweep, and the size is bounded.
 */
@Injectable()
export class InMemoryRevocationStore extends RevocationStore {
  // One map per kind, so lookups on the request path build no key strings.
  private readonly tokens = new Map<string, Entry>();
  private readonly families = new Map<string, Entry>();
  private readonly subjects = new Map<string, Entry>();
  /** Per refresh family: the highest generation spent (in `before`). */
  private readonly spent = new Map<string, Entry>();
  private readonly maps = [this.tokens, this.families, this.subjects, this.spent];
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
    let total = 0;
    for (const map of this.maps) total += map.size;
    return total;
  }

  async revokeToken(tokenId: string, until: number): Promise<void> {
    this.put(this.tokens, tokenId, { until });
  }

  async revokeFamily(family: string, until: number): Promise<void> {
    this.put(this.families, family, { until });
  }

  async revokeSubject(
    subject: string,
    before: number,
    until: number,
    exceptFamily?: string,
  ): Promise<void> {
    const current = this.live(this.subjects, subject);
    this.put(this.subjects, subject, {
      cutoff: mergeCutoff(current?.cutoff, before, exceptFamily),
      until: Math.max(until, current?.until ?? -Infinity),
    });
  }

  async isRevoked(token: RevocationSubject): Promise<boolean> {
    if (this.live(this.tokens, token.tokenId)) return true;
    if (token.family !== undefined && this.live(this.families, token.family)) return true;
    const entry = this.live(this.subjects, token.subject);
    return entry !== undefined && cutoffRefuses(entry.cutoff!, token);
  }

  async consumeRefreshToken(
    family: string,
    generation: number,
    until: number,
    options: ConsumeOptions = {},
  ): Promise<ConsumeResult> {
    // No await between the check and the set: that is what makes it atomic in one process.
    if (this.live(this.families, family)) return 'family_revoked';
    const spent = this.live(this.spent, family);
    const now = this.clock.now();
    if (spent !== undefined && generation <= spent.before!) {
      const inGrace = generation === spent.before && now <= (spent.graceUntil ?? -Infinity);
      return inGrace ? 'in_grace' : 'reused';
    }
    const grace = options.reuseGraceMs ?? 0;
    this.put(this.spent, family, {
      before: generation,
      until: Math.max(until, spent?.until ?? 0),
      graceUntil: grace > 0 ? now + grace : undefined,
    });
    return 'consumed';
  }

  private live(map: Map<string, Entry>, key: string): Entry | undefined {
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= this.clock.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  private put(map: Map<string, Entry>, key: string, entry: Entry): void {
    if (entry.until <= this.clock.now()) return;
    if (++this.writes % SWEEP_EVERY === 0) this.sweep();
    if (!map.has(key) && this.size >= this.maxEntries) {
      this.sweep();
      if (this.size >= this.maxEntries) {
        throw new AuthUnavailableError('REVOCATION_STORE_UNAVAILABLE', {
          detail: `in-memory store full (${this.maxEntries} live entries)`,
        });
      }
    }
    map.set(key, entry);
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const map of this.maps) {
      for (const [key, entry] of map) if (entry.until <= now) map.delete(key);
    }
  }
}

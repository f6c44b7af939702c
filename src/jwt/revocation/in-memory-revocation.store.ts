import { Inject, Injectable, Optional } from '@nestjs/common';
import { Clock } from '../../core/clock.js';
import { AuthUnavailableError } from '../../core/auth-error.js';
import { OptionsReader } from '../../core/options-reader.js';
import {
  RevocationStore,
  type ConsumeOptions,
  type ConsumeResult,
  type RevocationSubject,
} from './revocation-store.js';
import { cutoffRefuses, mergeCutoff, type SubjectCutoff } from './subject-cutoff.js';

/**
 * Settings of {@link InMemoryRevocationStore}, provided under {@link IN_MEMORY_REVOCATION_OPTIONS}
 * and checked when the store is built (a bad value fails the start). Each budget, when full of
 * live entries, refuses new ones (503) rather than forget an old one, which would silently revive
 * a revoked token.
 *
 * @example
 * AuthModule.forRoot({
 *   backends: [JwtBackend],
 *   userModel: Users,
 *   jwt: { algorithms: ['HS256'], secret: process.env.JWT_SECRET! },
 *   providers: [
 *     { provide: IN_MEMORY_REVOCATION_OPTIONS, useValue: { maxRevocations: 20_000, maxEntriesPerUser: 100 } },
 *   ],
 * });
 */
export interface InMemoryRevocationOptions {
  /**
   * The most live revocations: revoked tokens and logins (refresh families), and users'
   * "log out everywhere" cut-offs. Default: `100000`.
   */
  maxRevocations?: number;
  /**
   * The most live spent-refresh records: one per login that has refreshed, kept until the login
   * ends, so a replayed refresh token is recognised. Default: `100000`.
   */
  maxFamilies?: number;
  /**
   * The most live entries one user may hold in each budget, so one account cannot fill the store
   * for everyone. A revocation past it becomes a cut-off of the user instead: every token of
   * theirs issued until then is refused, in one entry (`TokenService` does this, and emits
   * `user_tokens_revoked` with `REVOCATION_QUOTA_EXCEEDED`). A refresh of a new login past it
   * answers 503 for that user, until older logins end. Default: `500`.
   */
  maxEntriesPerUser?: number;
}

/** DI token of {@link InMemoryRevocationOptions}. */
export const IN_MEMORY_REVOCATION_OPTIONS = Symbol('gatehouse:in-memory-revocation-options');

const OPTION_KEYS: readonly (keyof InMemoryRevocationOptions)[] = [
  'maxRevocations',
  'maxFamilies',
  'maxEntriesPerUser',
];

interface Entry {
  until: number;
  /** For spent refresh tokens: the family's highest spent generation. */
  before?: number;
  /** For spent refresh tokens spent with a reuse grace window: the window's end. */
  graceUntil?: number;
  /** For subjects: the tokens refused. */
  cutoff?: SubjectCutoff;
}

const SWEEP_EVERY = 1024;

/**
 * Some maps of entries with a cap on their live entries, and a quota of live entries per user.
 * The quota keeps, per user, the end of each entry charged to them: expiry alone frees room, as
 * entries are only ever dropped once expired.
 */
class Budget {
  private readonly charged = new Map<string, number[]>();

  constructor(
    readonly name: string,
    readonly maps: readonly Map<string, Entry>[],
    readonly max: number,
    private readonly perUser: number,
  ) {}

  get size(): number {
    let total = 0;
    for (const map of this.maps) total += map.size;
    return total;
  }

  /** Throws when `owner` already holds the quota of live entries. */
  checkQuota(owner: string, now: number): void {
    const ends = this.charged.get(owner);
    if (ends === undefined || ends.length < this.perUser) return;
    const live = ends.filter((end) => end > now);
    this.charged.set(owner, live);
    if (live.length >= this.perUser) {
      throw new AuthUnavailableError('REVOCATION_QUOTA_EXCEEDED', {
        detail: `in-memory store: the user holds ${this.perUser} live ${this.name} entries`,
      });
    }
  }

  charge(owner: string, until: number): void {
    const ends = this.charged.get(owner);
    if (ends === undefined) this.charged.set(owner, [until]);
    else ends.push(until);
  }

  sweep(now: number): void {
    for (const map of this.maps) {
      for (const [key, entry] of map) if (entry.until <= now) map.delete(key);
    }
    for (const [owner, ends] of this.charged) {
      const live = ends.filter((end) => end > now);
      if (live.length === 0) this.charged.delete(owner);
      else this.charged.set(owner, live);
    }
  }
}

/**
 * The default {@link RevocationStore}: one process's memory. Right for a single instance and for
 * tests; several instances need a shared store such as `RedisRevocationStore`, and so does a
 * service open to sign-ups: the budgets are bounds, and enough accounts can still fill them.
 * Expired entries are dropped as they are met and by a periodic sweep. Revocations and spent
 * refresh tokens have separate budgets, and each user a quota in both (see
 * {@link InMemoryRevocationOptions}).
 */
@Injectable()
export class InMemoryRevocationStore extends RevocationStore {
  // One map per kind, so lookups on the request path build no key strings.
  private readonly tokens = new Map<string, Entry>();
  private readonly families = new Map<string, Entry>();
  private readonly subjects = new Map<string, Entry>();
  /** Per refresh family: the highest generation spent (in `before`). */
  private readonly spent = new Map<string, Entry>();
  private readonly revocations: Budget;
  private readonly spends: Budget;
  private writes = 0;

  constructor(
    private readonly clock: Clock,
    @Optional() @Inject(IN_MEMORY_REVOCATION_OPTIONS) options?: InMemoryRevocationOptions,
  ) {
    super();
    const o = OptionsReader.of('IN_MEMORY_REVOCATION_OPTIONS', options, OPTION_KEYS);
    const perUser = o.count('maxEntriesPerUser', 500, 1);
    this.revocations = new Budget(
      'revocation',
      [this.tokens, this.families, this.subjects],
      o.count('maxRevocations', 100_000, 1),
      perUser,
    );
    this.spends = new Budget(
      'spent-refresh',
      [this.spent],
      o.count('maxFamilies', 100_000, 1),
      perUser,
    );
  }

  /** How many entries are held now (expired ones included until swept). */
  get size(): number {
    return this.revocations.size + this.spends.size;
  }

  async revokeToken(tokenId: string, until: number, owner?: string): Promise<void> {
    this.put(this.revocations, this.tokens, tokenId, { until }, owner);
  }

  async revokeFamily(family: string, until: number, owner?: string): Promise<void> {
    this.put(this.revocations, this.families, family, { until }, owner);
  }

  async revokeSubject(
    subject: string,
    before: number,
    until: number,
    exceptFamily?: string,
  ): Promise<void> {
    const current = this.live(this.subjects, subject);
    // Charged to nobody: one entry per user at most, and the way out for a user at the quota.
    this.put(this.revocations, this.subjects, subject, {
      cutoff: mergeCutoff(current?.cutoff, before, exceptFamily),
      until: Math.max(until, current?.until ?? -Infinity),
    });
  }

  // Answers synchronously, so the guard checks a cached token without a promise; the wider
  // return type leaves subclasses free to override it with an async check.
  isRevoked(token: RevocationSubject): Promise<boolean> | boolean {
    if (token.tokenId !== undefined && this.live(this.tokens, token.tokenId)) return true;
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
    const entry: Entry = {
      before: generation,
      until: Math.max(until, spent?.until ?? 0),
      graceUntil: grace > 0 ? now + grace : undefined,
    };
    this.put(this.spends, this.spent, family, entry, options.owner);
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

  private put(
    budget: Budget,
    map: Map<string, Entry>,
    key: string,
    entry: Entry,
    owner?: string,
  ): void {
    const now = this.clock.now();
    if (entry.until <= now) return;
    if (++this.writes % SWEEP_EVERY === 0) this.sweep();
    // Replacing a live entry takes no room; only a new one is checked and charged.
    if (this.live(map, key) === undefined) {
      if (owner !== undefined) budget.checkQuota(owner, now);
      if (budget.size >= budget.max) {
        this.sweep();
        if (budget.size >= budget.max) {
          throw new AuthUnavailableError('REVOCATION_STORE_UNAVAILABLE', {
            detail: `in-memory store full (${budget.max} live ${budget.name} entries)`,
          });
        }
      }
      if (owner !== undefined) budget.charge(owner, entry.until);
    }
    map.set(key, entry);
  }

  private sweep(): void {
    const now = this.clock.now();
    this.revocations.sweep(now);
    this.spends.sweep(now);
  }
}

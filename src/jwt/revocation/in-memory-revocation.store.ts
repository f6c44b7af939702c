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
import { ExpiringKeys } from './expiring-keys.js';
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

/** Per refresh family: the highest generation spent, and the reuse grace window's end. */
interface Spent {
  readonly before: number;
  readonly graceUntil?: number;
}

/** Entries (of each table) examined per write, so expired ones go as writes go on. */
const PURGE_STEPS = 4;

/**
 * Some tables of entries with a cap on their live entries, and a quota of live entries per user.
 * The quota keeps, per user, the end of each entry charged to them: expiry alone frees room, as
 * entries are only ever dropped once expired.
 */
class Budget {
  private readonly charged = new Map<string, number[]>();
  /** Where the purge of `charged` goes on from (a Map's iterator survives its changes). */
  private owners: Iterator<[string, number[]]> | undefined;

  constructor(
    readonly name: string,
    readonly tables: readonly ExpiringKeys<unknown>[],
    readonly max: number,
    private readonly perUser: number,
  ) {}

  get size(): number {
    let total = 0;
    for (const table of this.tables) total += table.size;
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

  /** One bounded step of the purge: a few entries of each table and one user's charges. */
  purge(now: number): void {
    for (const table of this.tables) table.purge(now, PURGE_STEPS);
    // Two users a step, while a write adds at most one: every pass over them comes to an end.
    for (let n = 0; n < 2; n++) {
      this.owners ??= this.charged.entries();
      const next = this.owners.next();
      if (next.done === true) this.owners = undefined;
      else this.dropExpiredCharges(next.value[0], next.value[1], now);
    }
  }

  /**
   * Drops every expired entry. It walks the whole budget, so only for a budget that is full, and
   * not while nothing in it can have expired yet (a full store refusing writes stays cheap).
   */
  sweep(now: number): void {
    if (!this.tables.some((table) => table.mayHaveExpired(now))) return;
    for (const table of this.tables) table.sweep(now);
    for (const [owner, ends] of this.charged) this.dropExpiredCharges(owner, ends, now);
  }

  private dropExpiredCharges(owner: string, ends: number[], now: number): void {
    const live = ends.filter((end) => end > now);
    if (live.length === 0) this.charged.delete(owner);
    else if (live.length < ends.length) this.charged.set(owner, live);
  }
}

/**
 * The default {@link RevocationStore}: one process's memory. Right for a single instance and for
 * tests; several instances need a shared store such as `RedisRevocationStore`, and so does a
 * service open to sign-ups: the budgets are bounds, and enough accounts can still fill them.
 * Expired entries are dropped as they are met and a few at a time on every write; the whole
 * store is swept only when it is full and something in it may have expired. An entry is a key
 * string and a few numbers in flat arrays (see `ExpiringKeys`), no object of its own, so a store
 * holding a million revocations costs a request about what an empty one does. Revocations and
 * spent refresh tokens have separate budgets, and each user a quota in both (see
 * {@link InMemoryRevocationOptions}).
 */
@Injectable()
export class InMemoryRevocationStore extends RevocationStore {
  // One table per kind, so lookups on the request path build no key strings.
  private readonly tokens = new ExpiringKeys();
  private readonly families = new ExpiringKeys();
  private readonly subjects = new ExpiringKeys<SubjectCutoff>();
  /** Per refresh family: the highest generation spent. */
  private readonly spent = new ExpiringKeys<Spent>();
  private readonly revocations: Budget;
  private readonly spends: Budget;

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

  /** How many entries are held now (expired ones included until dropped). */
  get size(): number {
    return this.revocations.size + this.spends.size;
  }

  /**
   * Drops every expired entry now. The store does it on its own, a few entries per write and all
   * of them when a budget is full; this walks the whole store at once (a test harness ageing the
   * store, as Redis ages its keys, or an operator's idle-time housekeeping).
   */
  sweep(): void {
    const now = this.clock.now();
    this.revocations.sweep(now);
    this.spends.sweep(now);
  }

  async revokeToken(tokenId: string, until: number, owner?: string): Promise<void> {
    this.put(this.revocations, this.tokens, tokenId, until, undefined, owner);
  }

  async revokeFamily(family: string, until: number, owner?: string): Promise<void> {
    this.put(this.revocations, this.families, family, until, undefined, owner);
  }

  async revokeSubject(
    subject: string,
    before: number,
    until: number,
    exceptFamily?: string,
  ): Promise<void> {
    const current = this.subjects.find(subject, this.clock.now());
    const held = current < 0 ? undefined : this.subjects.valueAt(current);
    const longest = Math.max(until, current < 0 ? -Infinity : this.subjects.untilAt(current));
    const cutoff = mergeCutoff(held, before, exceptFamily);
    // Charged to nobody: one entry per user at most, and the way out for a user at the quota.
    this.put(this.revocations, this.subjects, subject, longest, cutoff);
  }

  // Answers synchronously, so the guard checks a cached token without a promise; the wider
  // return type leaves subclasses free to override it with an async check.
  isRevoked(token: RevocationSubject): Promise<boolean> | boolean {
    const now = this.clock.now();
    if (token.tokenId !== undefined && this.tokens.find(token.tokenId, now) >= 0) return true;
    if (token.family !== undefined && this.families.find(token.family, now) >= 0) return true;
    const subject = this.subjects.find(token.subject, now);
    return subject >= 0 && cutoffRefuses(this.subjects.valueAt(subject)!, token);
  }

  async consumeRefreshToken(
    family: string,
    generation: number,
    until: number,
    options: ConsumeOptions = {},
  ): Promise<ConsumeResult> {
    // No await between the check and the set: that is what makes it atomic in one process.
    const now = this.clock.now();
    if (this.families.find(family, now) >= 0) return 'family_revoked';
    const index = this.spent.find(family, now);
    const spent = index < 0 ? undefined : this.spent.valueAt(index)!;
    if (spent !== undefined && generation <= spent.before) {
      const inGrace = generation === spent.before && now <= (spent.graceUntil ?? -Infinity);
      return inGrace ? 'in_grace' : 'reused';
    }
    const grace = options.reuseGraceMs ?? 0;
    const record: Spent = { before: generation, graceUntil: grace > 0 ? now + grace : undefined };
    const longest = Math.max(until, index < 0 ? 0 : this.spent.untilAt(index));
    this.put(this.spends, this.spent, family, longest, record, options.owner);
    return 'consumed';
  }

  private put<V>(
    budget: Budget,
    table: ExpiringKeys<V>,
    key: string,
    until: number,
    value: V | undefined,
    owner?: string,
  ): void {
    const now = this.clock.now();
    if (until <= now) return;
    budget.purge(now);
    // Replacing a live entry takes no room; only a new one is checked and charged.
    if (table.find(key, now) < 0) {
      if (owner !== undefined) budget.checkQuota(owner, now);
      if (budget.size >= budget.max) {
        budget.sweep(now);
        if (budget.size >= budget.max) {
          throw new AuthUnavailableError('REVOCATION_STORE_UNAVAILABLE', {
            detail: `in-memory store full (${budget.max} live ${budget.name} entries)`,
          });
        }
      }
      if (owner !== undefined) budget.charge(owner, until);
    }
    table.set(key, until, value);
  }
}

/** What the revocation check needs to know about a presented token. */
export interface RevocationSubject {
  /**
   * The token's `jti`. Absent for a token accepted without one (`jwt.acceptTokensWithoutJti`):
   * then only its family and its subject's cut-off can revoke it.
   */
  readonly tokenId?: string;
  /** Its refresh family, if it belongs to one. */
  readonly family?: string;
  /** Its user (the identity claim). */
  readonly subject: string;
  /** Its `iat`, in ms since the epoch. */
  readonly issuedAt: number;
}

/** How {@link RevocationStore.consumeRefreshToken} ended. */
export type ConsumeResult =
  /** First use: the token is now spent and the caller may issue the next pair. */
  | 'consumed'
  /** This generation (or a later one) was already spent: a replay; revoke the family. */
  | 'reused'
  /**
   * The family's latest spent generation, presented again within the reuse grace window of its
   * spend: refuse it, but leave the family alone (a client racing itself, not a replay).
   */
  | 'in_grace'
  /** The family was revoked earlier. */
  | 'family_revoked';

/** What {@link RevocationStore.consumeRefreshToken} takes besides the family and generation. */
export interface ConsumeOptions {
  /** The user the family belongs to, for a store that holds each user to a quota. */
  readonly owner?: string;
  /**
   * The reuse grace window, in ms: a spend made with one opens it, and presenting the same
   * generation again within it (at most this long after the spend) is `'in_grace'` instead of
   * `'reused'`. `0` or absent: no window, every second presentation is a reuse.
   */
  readonly reuseGraceMs?: number;
}

/**
 * Where revocations and spent refresh tokens live. It is the DI token too: replace the
 * default in-memory store with `AuthModule.forRoot({ providers: [{ provide: RevocationStore, … }] })`
 * (for example with `RedisRevocationStore` from `nestjs-gatehouse/redis`).
 *
 * The contract every implementation keeps (the shared contract suite checks it):
 * - **Units.** Every time is milliseconds since the Unix epoch, read from the library's `Clock`.
 *   `until` is when an entry may be forgotten: by then the tokens it concerns have expired.
 * - **Expiry.** An entry is honoured until `until`, and may be dropped after it, so the store
 *   never grows with old tokens.
 * - **Atomicity.** `consumeRefreshToken` is one atomic check-and-set: of any number of
 *   concurrent calls with the same family and generation, exactly one gets `'consumed'`; with
 *   a reuse grace window, the others get `'in_grace'` while it lasts. The other writes are
 *   idempotent.
 * - **Size.** Spent refresh tokens cost one entry per family (its highest spent generation),
 *   not one per token, so the store grows with logins, not with refreshes.
 * - **Failure.** Methods reject when the backing store cannot answer (in bounded time). The
 *   library turns that into 503 and never lets the request through.
 * - **Quotas.** Writes name the user they are for (`owner`), so a store may hold each user to a
 *   quota of live entries (the in-memory store does; Redis, sized by its operator, does not). A
 *   write past it rejects with `AuthUnavailableError('REVOCATION_QUOTA_EXCEEDED')`: `TokenService`
 *   then revokes the user's every token issued until now with `revokeSubject` instead, which is
 *   never refused for a quota, and a refused spend answers 503.
 */
export abstract class RevocationStore {
  /** Revokes one token (by `jti`) until `until`; `owner` is its user, for quotas. */
  abstract revokeToken(tokenId: string, until: number, owner?: string): Promise<void>;

  /** Revokes every token of a refresh family until `until`; `owner` is its user, for quotas. */
  abstract revokeFamily(family: string, until: number, owner?: string): Promise<void>;

  /**
   * Refuses every token of `subject` issued at or before `before` ("log out everywhere"), until
   * `until`. With `exceptFamily`, the tokens of that refresh family are spared ("log out the
   * other devices"). Cut-offs add up: none undoes what another refuses, whatever their order
   * (a later call with an earlier `before` does not undo a later cut-off, and sparing a family
   * does not spare it from a cut-off that did not).
   */
  abstract revokeSubject(
    subject: string,
    before: number,
    until: number,
    exceptFamily?: string,
  ): Promise<void>;

  /**
   * Whether `token` is revoked by its id, its family or its subject's cut-off. One round trip.
   * A store that knows without waiting (one in memory) may answer with the boolean itself:
   * it is asked on every request, and a promise there costs a microtask per request.
   */
  abstract isRevoked(token: RevocationSubject): Promise<boolean> | boolean;

  /**
   * Spends the refresh token of generation `generation` (0 for the one issued at login, one
   * more at each rotation) in `family`, atomically: `'family_revoked'` when the family is
   * revoked; `'consumed'` when no generation of the family was spent yet or only earlier ones,
   * and the family's highest spent generation becomes `generation`, remembered until `until`
   * (the family's end); `'in_grace'` when `generation` is that highest spent one, spent with
   * `options.reuseGraceMs` at most that long ago; `'reused'` otherwise (this generation or a
   * later one was spent). A store that ignores `options` answers `'reused'` instead of
   * `'in_grace'`, which is safe: the family is revoked, as without a window.
   */
  abstract consumeRefreshToken(
    family: string,
    generation: number,
    until: number,
    options?: ConsumeOptions,
  ): Promise<ConsumeResult>;
}

import { AuthUnavailableError } from '../core/auth-error.js';
import { mismatch, received, type AuthRejection } from '../core/auth-reason.js';
import type { Clock } from '../core/clock.js';
import type { AsymmetricAlgorithm } from '../jws/jws-algorithms.js';
import { importJwk, type ProviderKey } from './provider-key.js';

/** The detail of a kid-less token that several keys could verify: no refetch helps it. */
const AMBIGUOUS = 'no kid, and several keys use its alg';

/** A key set larger than this is refused as a whole: providers publish a handful of keys. */
export const MAX_KEYS = 100;

/** How {@link ProviderKeySet} is tuned; times in ms. */
export interface KeySetSettings {
  readonly issuer: string;
  readonly algorithms: ReadonlySet<AsymmetricAlgorithm>;
  readonly jwksMaxAgeMs: number;
  readonly jwksCooldownMs: number;
}

/** Where the key set's messages go (a logger in the library, a list in specs). */
export interface KeySetLog {
  warn(message: string): void;
}

/**
 * The public keys of one issuer, fetched from its JWKS and kept between requests.
 *
 * - Keys become `KeyObject`s once per fetch, and a key that comes back unchanged keeps its
 *   object, so tokens verified with it stay cached.
 * - After the maximum age the set is fetched again in the background; requests go on with the
 *   keys they have.
 * - A token whose `kid` is not in the set causes at most one fetch per cooldown, for all such
 *   tokens together, so made-up `kid`s cannot hammer the provider. A failed fetch is retried no
 *   sooner either.
 * - When a fetch fails, the keys fetched before keep working. A `kid` never fetched gets 503
 *   while the last fetch failed (the provider may have rotated to it), 401 otherwise.
 *
 * Times come from the `Clock`, so the behaviour is tested without waiting.
 */
export class ProviderKeySet {
  private byKid = new Map<string, readonly ProviderKey[]>();
  private all: ReadonlySet<ProviderKey> = new Set();
  private fetchedAt: number | undefined;
  private attemptedAt = -Infinity;
  private lastError: unknown;
  private inflight: Promise<unknown> | undefined;

  constructor(
    private readonly fetchJwks: () => Promise<unknown>,
    private readonly settings: KeySetSettings,
    private readonly clock: Clock,
    private readonly log: KeySetLog,
  ) {}

  /** Whether a fetch ever succeeded. */
  get loaded(): boolean {
    return this.fetchedAt !== undefined;
  }

  /**
   * Fetches the set now, whatever the cooldown (at start), or joins the fetch under way.
   * Resolves to the error of a failed fetch, `undefined` on success; never rejects.
   */
  refresh(): Promise<unknown> {
    this.inflight ??= this.load().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /**
   * The key for a token's `kid` and `alg` header, or why there is none (401). Throws
   * {@link AuthUnavailableError} (503) when the keys cannot be known: never fetched, or a `kid`
   * never seen while the provider is unreachable.
   */
  async find(kid: unknown, alg: AsymmetricAlgorithm): Promise<ProviderKey | AuthRejection> {
    if (kid !== undefined && typeof kid !== 'string') {
      return { reason: 'JWT_MALFORMED', detail: `kid is ${received(kid)}` };
    }
    if (!this.loaded) {
      if (this.inflight !== undefined || this.mayFetch()) await this.refresh();
      if (!this.loaded) throw this.unavailable('the keys were never fetched');
    }
    const found = this.lookup(kid, alg);
    if ('key' in found) {
      this.refreshIfStale();
      return found;
    }
    if (found.reason !== 'OIDC_KID_UNKNOWN' || found.detail === AMBIGUOUS) return found;
    if (this.inflight !== undefined || this.mayFetch()) {
      await this.refresh();
      const again = this.lookup(kid, alg);
      if ('key' in again) return again;
    }
    if (this.lastError !== undefined) throw this.unavailable('a kid never fetched');
    return found;
  }

  /**
   * Whether `key` is still in the set, for a token verified earlier: a withdrawn key's tokens must
   * be verified again (and fail). A set past its maximum age starts a refresh.
   */
  holds(key: ProviderKey): boolean {
    this.refreshIfStale();
    return this.all.has(key);
  }

  private lookup(kid: string | undefined, alg: AsymmetricAlgorithm): ProviderKey | AuthRejection {
    const candidates =
      kid === undefined
        ? [...this.all].filter((k) => k.algorithm === alg)
        : (this.byKid.get(kid) ?? []);
    if (candidates.length === 0) {
      return {
        reason: 'OIDC_KID_UNKNOWN',
        detail:
          kid === undefined ? `no kid, and no ${alg} key` : `${received(kid)} is not published`,
      };
    }
    const match = candidates.filter((k) => k.algorithm === alg);
    if (match.length === 1) return match[0]!;
    if (match.length === 0) {
      return {
        reason: 'JWT_ALG_NOT_ALLOWED',
        detail: mismatch(
          `${candidates.map((k) => `"${k.algorithm}"`).join(', ')} (of that key)`,
          alg,
        ),
      };
    }
    return { reason: 'OIDC_KID_UNKNOWN', detail: AMBIGUOUS };
  }

  private mayFetch(): boolean {
    return this.clock.now() >= this.attemptedAt + this.settings.jwksCooldownMs;
  }

  private refreshIfStale(): void {
    if (
      this.inflight === undefined &&
      this.fetchedAt !== undefined &&
      this.clock.now() >= this.fetchedAt + this.settings.jwksMaxAgeMs &&
      this.mayFetch()
    ) {
      void this.refresh();
    }
  }

  private async load(): Promise<unknown> {
    this.attemptedAt = this.clock.now();
    try {
      this.replace(await this.fetchJwks());
      this.fetchedAt = this.clock.now();
      this.lastError = undefined;
    } catch (error) {
      this.lastError = error;
      this.log.warn(
        `keys of ${this.settings.issuer} could not be fetched (${(error as Error)?.message ?? String(error)}); ` +
          (this.loaded
            ? 'the keys fetched before stay in use'
            : 'its tokens get 503 until a fetch succeeds'),
      );
    }
    return this.lastError;
  }

  private replace(document: unknown): void {
    const list = (document as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(list)) throw new Error('the JWKS has no "keys" array');
    if (list.length > MAX_KEYS)
      throw new Error(`the JWKS has ${list.length} keys, more than ${MAX_KEYS}`);
    const previous = new Map<string, ProviderKey>();
    for (const key of this.all) previous.set(fingerprint(key), key);
    const byKid = new Map<string, ProviderKey[]>();
    const all = new Set<ProviderKey>();
    const skipped: string[] = [];
    list.forEach((jwk: unknown, index) => {
      const imported = importJwk(jwk, this.settings.algorithms);
      if (typeof imported === 'string') {
        skipped.push(`#${index}: ${imported}`);
        return;
      }
      const key = previous.get(fingerprint(imported)) ?? imported;
      all.add(key);
      if (key.kid !== undefined) byKid.set(key.kid, [...(byKid.get(key.kid) ?? []), key]);
    });
    if (skipped.length > 0) {
      this.log.warn(`keys of ${this.settings.issuer} skipped: ${skipped.join('; ')}`);
    }
    this.byKid = byKid;
    this.all = all;
  }

  private unavailable(what: string): AuthUnavailableError {
    return new AuthUnavailableError('OIDC_KEYS_UNAVAILABLE', {
      detail: `${what}, from ${this.settings.issuer}`,
      cause: this.lastError,
    });
  }
}

/** The same key, whichever fetch it came from: its id, algorithm and public material. */
function fingerprint(key: ProviderKey): string {
  const jwk = key.key.export({ format: 'jwk' });
  return `${key.kid ?? ''}|${key.algorithm}|${jwk.n ?? ''}|${jwk.e ?? ''}|${jwk.x ?? ''}|${jwk.y ?? ''}`;
}

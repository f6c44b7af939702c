import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { dependencyCall, unavailable } from '../core/dependency-call.js';
import { isTime } from '../jws/jwt-checks.js';
import type { IntrospectionSettings } from './oidc-settings.js';
import { requestJson } from './provider-request.js';

/** An active token's introspection answer (RFC 7662 §2.2): its claims. */
export type IntrospectionAnswer = Readonly<Record<string, unknown>>;

interface Entry {
  readonly until: number;
  /** `null`: the provider said the token is not active. */
  readonly answer: IntrospectionAnswer | null;
}

/**
 * Asks an issuer whether an opaque access token is active (RFC 7662), authenticating as the
 * resource server with `client_secret_basic`. Answers are kept in a bounded map keyed by a
 * SHA-256 of the token (the token itself is never kept): an active one until the earlier of its
 * `exp` and the configured bound, an inactive one for the bound. Concurrent requests with one
 * token share one call. A provider that cannot answer rejects with `AuthUnavailableError` (503).
 */
export class TokenIntrospector {
  private readonly answers = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<IntrospectionAnswer | null>>();
  private readonly authorization: string;

  constructor(
    private readonly settings: IntrospectionSettings,
    private readonly endpoint: () => Promise<string>,
    private readonly timeoutMs: number,
    private readonly clock: Clock,
  ) {
    // RFC 6749 §2.3.1: both parts form-encoded before they are joined and base64-encoded.
    const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
    this.authorization = `Basic ${Buffer.from(
      `${encode(settings.clientId)}:${encode(settings.clientSecret)}`,
    ).toString('base64')}`;
  }

  /** The active token's claims, or `null` when the provider says it is not active. */
  async introspect(token: string): Promise<IntrospectionAnswer | null> {
    const hash = createHash('sha256').update(token).digest('base64url');
    const cached = this.answers.get(hash);
    if (cached !== undefined) {
      if (this.clock.now() < cached.until) return cached.answer;
      this.answers.delete(hash);
    }
    let pending = this.inflight.get(hash);
    if (pending === undefined) {
      pending = this.ask(hash, token).finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, pending);
    }
    return pending;
  }

  private async ask(hash: string, token: string): Promise<IntrospectionAnswer | null> {
    const answer = await dependencyCall('OIDC_INTROSPECTION_UNAVAILABLE', async () =>
      requestJson({
        what: 'token introspection',
        url: await this.endpoint(),
        timeoutMs: this.timeoutMs,
        form: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        authorization: this.authorization,
      }),
    );
    if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
      throw unavailable(
        new Error('the introspection answer is not a JSON object'),
        'OIDC_INTROSPECTION_UNAVAILABLE',
      );
    }
    // Only the boolean true is active (§2.2); "true", 1 or a missing member are not.
    const active = (answer as Record<string, unknown>).active === true;
    const result = active ? (answer as IntrospectionAnswer) : null;
    this.remember(hash, result);
    return result;
  }

  private remember(hash: string, answer: IntrospectionAnswer | null): void {
    if (this.settings.cacheMs === 0) return;
    const now = this.clock.now();
    let until = now + this.settings.cacheMs;
    if (answer !== null && isTime(answer.exp)) until = Math.min(until, answer.exp * 1000);
    if (until <= now) return;
    if (this.answers.size >= this.settings.cacheSize) {
      const oldest = this.answers.keys().next();
      if (!oldest.done) this.answers.delete(oldest.value);
    }
    this.answers.set(hash, { until, answer });
  }
}

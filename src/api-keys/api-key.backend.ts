import { Injectable, type Provider } from '@nestjs/common';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { ApiKeySettings, apiKeySettingsProvider } from './api-key-settings.js';
import { MAX_API_KEY_LENGTH } from './api-key.js';
import { ApiKeyService, type ApiKeyCheck } from './api-key.service.js';
import { ApiKeyStore } from './api-key-store.js';
import { InMemoryApiKeyStore } from './in-memory-api-key.store.js';
import type { AuthRequest } from '../core/auth-request.js';
import { unavailable } from '../core/dependency-call.js';
import { PassportAdapter, type StrategyOutcome } from '../passport/passport-adapter.js';
import { AuthBackend } from '../core/auth-backend.js';
import { AuthResults, type AuthResult } from '../core/auth-result.js';
import type { SecuritySchemeDescription, SecuritySchemes } from '../core/security-scheme.js';

// The carrier's one header: a plain name, which lodash's `get` in the strategy reads directly.
const CARRIER_HEADER = 'apikey';

// The strategy's own type of its verify callback's `done` (its `user` may be any value).
type Verified = Parameters<ConstructorParameters<typeof HeaderAPIKeyStrategy>[2]>[1];

/**
 * Authenticates requests by API key, sent in the `X-API-Key` header (configurable) or, with
 * `apiKey.scheme`, as `Authorization: <scheme> <key>`. The request acts as the key's owner, with
 * permissions narrowed to the key's scopes. Name: `'apikey'`.
 *
 * It brings {@link ApiKeyService} and a default {@link ApiKeyStore} (in memory; replace it through
 * `providers`). Every malformed, unknown, tampered, revoked or expired key gets the same generic
 * 401; the reason goes to auth events only.
 *
 * @example
 * AuthModule.forRoot({
 *   backends: [JwtBackend, ApiKeyBackend],
 *   userModel: Users,
 *   jwt: { algorithms: ['HS256'], secret: process.env.JWT_SECRET! },
 *   apiKey: { prefix: 'acme' },
 *   providers: [{ provide: ApiKeyStore, useClass: SqlApiKeyStore }], // default: in memory
 * });
 */
@Injectable()
export class ApiKeyBackend extends AuthBackend {
  static readonly providers: Provider[] = [
    apiKeySettingsProvider,
    { provide: ApiKeyStore, useClass: InMemoryApiKeyStore },
    ApiKeyService,
  ];

  readonly name = 'apikey';
  private readonly strategy: PassportAdapter;
  // What the strategy reads the key from: one object for every request, since a run ends
  // before `authenticate` returns. It holds the key only during that run.
  private readonly carrier = { headers: { [CARRIER_HEADER]: '' } };

  constructor(
    private readonly keys: ApiKeyService,
    private readonly options: ApiKeySettings,
  ) {
    super();
    // The key is found here, in its header or after the `Authorization` scheme, and refused
    // here when it is repeated, too long or empty; passport-headerapikey then reads it from the
    // carrier and hands it to the verify callback. passReqToCallback stays off: with it on, the
    // strategy never settles under passport's authenticate middleware, and the callback needs
    // nothing from the request. The callback hands the key on at once, so the strategy ends
    // before `authenticate` returns and runs on one reused copy (`runAtOnce`).
    this.strategy = new PassportAdapter(
      'apikey',
      new HeaderAPIKeyStrategy({ header: CARRIER_HEADER, prefix: '' }, false, handOn),
    );
  }

  override get challenge(): string | undefined {
    // Only a scheme that is on is offered: `Authorization: ApiKey` when `apiKey.scheme` is set.
    return this.options.scheme === undefined ? undefined : this.options.challenge;
  }

  /** The key in its header, and as `Authorization: <scheme> <key>` when `apiKey.scheme` is set. */
  override describeSecurity(): SecuritySchemes {
    const schemes: Record<string, SecuritySchemeDescription> = {
      [this.name]: { type: 'apiKey', in: 'header', name: this.options.headerName },
    };
    if (this.options.scheme !== undefined) {
      schemes[`${this.name}-authorization`] = { type: 'http', scheme: this.options.challenge };
    }
    return schemes;
  }

  /**
   * The check of the request's key. With a store that answers at once (the in-memory one) the
   * result itself, without a promise; a promise with any other store.
   */
  authenticate(request: AuthRequest): AuthResult | Promise<AuthResult> {
    const key = this.keyOf(request);
    if (typeof key !== 'string') return key;
    const carrier = this.carrier;
    carrier.headers[CARRIER_HEADER] = key;
    // runAtOnce never throws (a throwing strategy is an `error` outcome), so the carrier is
    // always emptied right after.
    const outcome = this.strategy.runAtOnce(carrier);
    carrier.headers[CARRIER_HEADER] = '';
    if (outcome.kind !== 'success') return this.refusal(outcome);
    let checked: ApiKeyCheck | Promise<ApiKeyCheck>;
    try {
      checked = this.keys.check(outcome.user as string);
    } catch (error) {
      throw checkFailure(error);
    }
    return checked instanceof Promise
      ? checked.then(
          (answer) => this.toResult(answer),
          (error: unknown) => {
            throw checkFailure(error);
          },
        )
      : this.toResult(checked);
  }

  private toResult(checked: ApiKeyCheck): AuthResult {
    if (!checked.valid) return AuthResults.invalid(this.name, checked.reason, checked.detail);
    const key = checked.key;
    return AuthResults.success(this.name, key.owner, {
      scopes: key.scopes ?? undefined,
      credentialId: key.id,
      issuedAt: key.createdAt,
      fresh: false,
    });
  }

  /**
   * The key the request carries, or the result when there is nothing to check: no key at all,
   * or a header the strategy must not see (repeated, too long, empty).
   */
  private keyOf(request: AuthRequest): string | AuthResult {
    const value = request.headers[this.options.header];
    if (value !== undefined) {
      // Node joins a repeated custom header into one value with ", ", which no key contains.
      if (typeof value !== 'string' || value.includes(',')) {
        return AuthResults.invalid(this.name, 'API_KEY_MALFORMED', 'header sent more than once');
      }
      if (value.length > MAX_API_KEY_LENGTH) {
        return AuthResults.invalid(this.name, 'API_KEY_MALFORMED', 'header too long');
      }
      // The strategy would refuse an empty value itself, with nothing but free text to say why.
      if (value === '') return AuthResults.invalid(this.name, 'API_KEY_MALFORMED', 'empty header');
      return value;
    }
    if (this.options.scheme !== undefined) {
      const authorization = request.headers.authorization;
      if (authorization !== undefined && hasScheme(authorization, this.options.scheme)) {
        // Node keeps only the first of repeated Authorization headers; look at the raw list.
        if (authorization.length > MAX_API_KEY_LENGTH + 64) {
          return AuthResults.invalid(this.name, 'API_KEY_MALFORMED', 'Authorization too long');
        }
        if (countRaw(request, 'authorization') > 1) {
          return AuthResults.invalid(
            this.name,
            'API_KEY_MALFORMED',
            'Authorization sent more than once',
          );
        }
        const key = authorization.slice(this.options.scheme.length).trim();
        // A scheme with nothing after it: the reason the check gives a value not in the key
        // format, where the strategy would turn it into a bare `fail`.
        if (key === '') {
          return AuthResults.invalid(this.name, 'API_KEY_MALFORMED', 'not in the key format');
        }
        return key;
      }
    }
    return AuthResults.missing(this.name);
  }

  /** The result of a strategy run that handed no key on. */
  private refusal(outcome: Exclude<StrategyOutcome, { kind: 'success' }>): AuthResult {
    if (outcome.kind === 'fail')
      return AuthResults.invalid(this.name, outcome.reason, outcome.detail);
    throw checkFailure(outcome.error);
  }
}

/** The strategy's verify callback: the key goes on to {@link ApiKeyService.check}. */
function handOn(key: string, done: Verified): void {
  done(null, key);
}

/** A store or check that failed: 503, never a pass. */
function checkFailure(error: unknown): Error {
  return unavailable(error, 'DEPENDENCY_UNAVAILABLE', 'the API key check threw');
}

/** Whether `value` starts with `scheme` (case-insensitive, RFC 9110) followed by a space. */
function hasScheme(value: string, scheme: string): boolean {
  return (
    value.length > scheme.length &&
    value.charCodeAt(scheme.length) === 0x20 &&
    value.slice(0, scheme.length).toLowerCase() === scheme
  );
}

/** How often header `name` (lower case) appears in the raw request, on Express and Fastify. */
function countRaw(request: AuthRequest, name: string): number {
  const raw =
    (request as { rawHeaders?: string[] }).rawHeaders ??
    (request as { raw?: { rawHeaders?: string[] } }).raw?.rawHeaders;
  if (!raw) return 1;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) count++;
  }
  return count;
}

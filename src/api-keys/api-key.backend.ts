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
  private readonly headerAdapter: PassportAdapter;
  private readonly schemeAdapter: PassportAdapter | undefined;

  constructor(
    private readonly keys: ApiKeyService,
    private readonly options: ApiKeySettings,
  ) {
    super();
    // passReqToCallback stays off: with it on, the strategy never settles under passport's
    // authenticate middleware. The verify callbacks need nothing from the request anyway.
    // They hand the key on at once, so the strategy ends before `authenticate` returns and is
    // run without a promise of its own; the check, which awaits the store, follows it.
    this.headerAdapter = new PassportAdapter(
      'apikey-header',
      new HeaderAPIKeyStrategy({ header: options.header, prefix: '' }, false, handOn),
    );
    this.schemeAdapter =
      options.scheme === undefined
        ? undefined
        : new PassportAdapter(
            'apikey-authorization',
            new HeaderAPIKeyStrategy(
              { header: 'authorization', prefix: '' },
              false,
              (value, done) => handOn(afterScheme(value, options.scheme!.length), done),
            ),
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

  async authenticate(request: AuthRequest): Promise<AuthResult> {
    const adapter = this.adapterFor(request);
    if (!(adapter instanceof PassportAdapter)) return adapter;
    // The strategy reads only headers. Handing it a view keeps the properties passport adds to
    // a request (login, logout, isAuthenticated…) off the framework's request object, whose
    // shape Fastify and Express keep stable for speed.
    // passport-headerapikey ends before `authenticate` returns, so this is no promise.
    let outcome = adapter.runNow({ headers: request.headers });
    if (outcome instanceof Promise) outcome = await outcome;
    if (outcome.kind !== 'success') return this.refusal(outcome);
    // Awaited here, not through a helper: one async layer fewer per request.
    let checked: ApiKeyCheck;
    try {
      checked = await this.keys.check(outcome.user as string);
    } catch (error) {
      throw unavailable(error, 'DEPENDENCY_UNAVAILABLE', 'the API key check threw');
    }
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
   * The adapter whose header carries the request's key, or the result when there is nothing to
   * check: no key at all, or a header the strategy must not see (repeated, too long, empty).
   */
  private adapterFor(request: AuthRequest): PassportAdapter | AuthResult {
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
      return this.headerAdapter;
    }
    if (this.schemeAdapter !== undefined) {
      const authorization = request.headers.authorization;
      if (authorization !== undefined && hasScheme(authorization, this.options.scheme!)) {
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
        return this.schemeAdapter;
      }
    }
    return AuthResults.missing(this.name);
  }

  /** The result of a strategy run that handed no key on. */
  private refusal(outcome: Exclude<StrategyOutcome, { kind: 'success' }>): AuthResult {
    if (outcome.kind === 'fail')
      return AuthResults.invalid(this.name, outcome.reason, outcome.detail);
    throw unavailable(outcome.error, 'DEPENDENCY_UNAVAILABLE', 'the API key check threw');
  }
}

/**
 * The strategies' verify callback: the key goes on to {@link ApiKeyService.check}. An empty one
 * (an `Authorization` scheme with nothing after it) is refused here, with the reason the check
 * gives a value not in the key format: the strategy would turn it into a bare `fail`.
 */
function handOn(key: string, done: Verified): void {
  if (key === '')
    done(null, undefined, { reason: 'API_KEY_MALFORMED', detail: 'not in the key format' });
  else done(null, key);
}

/** Whether `value` starts with `scheme` (case-insensitive, RFC 9110) followed by a space. */
function hasScheme(value: string, scheme: string): boolean {
  return (
    value.length > scheme.length &&
    value.charCodeAt(scheme.length) === 0x20 &&
    value.slice(0, scheme.length).toLowerCase() === scheme
  );
}

function afterScheme(value: string, schemeLength: number): string {
  return value.slice(schemeLength).trim();
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

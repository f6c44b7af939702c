import { Injectable, type Provider } from '@nestjs/common';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { ApiKeySettings, apiKeySettingsProvider } from './api-key-settings.js';
import { MAX_API_KEY_LENGTH } from './api-key.js';
import { ApiKeyService } from './api-key.service.js';
import type { ApiKeyInfo } from './api-key-store.js';
import { ApiKeyStore } from './api-key-store.js';
import { InMemoryApiKeyStore } from './in-memory-api-key.store.js';
import type { AuthRequest } from '../core/auth-request.js';
import { unavailable } from '../core/dependency-call.js';
import { PassportAdapter } from '../passport/passport-adapter.js';
import { AuthBackend } from '../core/auth-backend.js';
import { AuthResults, type AuthResult } from '../core/auth-result.js';
import type { SecuritySchemeDescription, SecuritySchemes } from '../core/security-scheme.js';

type Verified = (err: Error | null, user?: object, info?: object) => void;

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
    this.headerAdapter = new PassportAdapter(
      'apikey-header',
      new HeaderAPIKeyStrategy({ header: options.header, prefix: '' }, false, (key, done) =>
        this.check(key, done),
      ),
    );
    this.schemeAdapter =
      options.scheme === undefined
        ? undefined
        : new PassportAdapter(
            'apikey-authorization',
            new HeaderAPIKeyStrategy(
              { header: 'authorization', prefix: '' },
              false,
              (value, done) => this.check(afterScheme(value, options.scheme!.length), done),
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
      return this.run(this.headerAdapter, request);
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
        return this.run(this.schemeAdapter, request);
      }
    }
    return AuthResults.missing(this.name);
  }

  private async run(adapter: PassportAdapter, request: AuthRequest): Promise<AuthResult> {
    // The strategy reads only headers. Handing it a view keeps the properties passport adds to
    // a request (login, logout, isAuthenticated…) off the framework's request object, whose
    // shape Fastify and Express keep stable for speed.
    const outcome = await adapter.run({ headers: request.headers });
    if (outcome.kind === 'success') {
      const key = outcome.user as ApiKeyInfo;
      return AuthResults.success(this.name, key.owner, {
        scopes: key.scopes ?? undefined,
        credentialId: key.id,
        issuedAt: key.createdAt,
        fresh: false,
      });
    }
    if (outcome.kind === 'fail') {
      return AuthResults.invalid(this.name, outcome.reason, outcome.detail);
    }
    throw unavailable(outcome.error, 'DEPENDENCY_UNAVAILABLE', 'the API key check threw');
  }

  private check(key: string, done: Verified): void {
    this.keys.verify(key).then(
      (result) =>
        // The refusal travels through the strategy's `fail` as `{ reason, detail }`, which the
        // adapter keeps (it drops any other challenge).
        result.valid
          ? done(null, result.key)
          : done(null, undefined, { reason: result.reason, detail: result.detail }),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  }
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

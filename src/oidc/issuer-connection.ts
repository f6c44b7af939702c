import { Logger } from '@nestjs/common';
import { AuthConfigurationError } from '../core/auth-error.js';
import type { Clock } from '../core/clock.js';
import type { IssuerSettings } from './oidc-settings.js';
import {
  discoverProvider,
  ProviderMismatchError,
  type ProviderMetadata,
} from './provider-discovery.js';
import { ProviderKeySet } from './provider-key-set.js';
import { requestJson } from './provider-request.js';
import { TokenIntrospector } from './token-introspector.js';

/**
 * Everything the library knows of one identity provider: its settings, its discovery document
 * (fetched once it succeeds), its key set and, for opaque tokens, its introspection endpoint.
 */
export class IssuerConnection {
  private static readonly logger = new Logger('Gatehouse');
  readonly keys: ProviderKeySet;
  readonly introspector: TokenIntrospector | undefined;
  private metadata: ProviderMetadata | undefined;

  constructor(
    readonly settings: IssuerSettings,
    clock: Clock,
  ) {
    this.keys = new ProviderKeySet(() => this.fetchJwks(), settings, clock, {
      warn: (message) => IssuerConnection.logger.warn(message),
    });
    const introspection = settings.introspection;
    this.introspector =
      introspection === undefined
        ? undefined
        : new TokenIntrospector(
            introspection,
            async () => introspection.endpoint ?? (await this.discovered()).introspectionEndpoint!,
            settings.timeoutMs,
            clock,
          );
  }

  /**
   * Discovery and the first key fetch, at start. A provider that cannot be reached does not stop
   * the application (its tokens get 503 until a later fetch succeeds); one that answers and
   * contradicts the configuration does, with an {@link AuthConfigurationError}.
   */
  async start(): Promise<void> {
    const error = await this.keys.refresh();
    if (error instanceof ProviderMismatchError) {
      throw new AuthConfigurationError(
        `${this.settings.path}.issuer`,
        error.message,
        'configure the issuer exactly as the provider names it (its discovery document\'s "issuer", trailing slash included), or point discoveryUrl at its own document',
      );
    }
  }

  private async discovered(): Promise<ProviderMetadata> {
    // Kept once it succeeded: the issuer, the key set's and the introspection's URLs do not move.
    this.metadata ??= await discoverProvider(this.settings);
    return this.metadata;
  }

  private async fetchJwks(): Promise<unknown> {
    const { jwksUri } = await this.discovered();
    // An issuer whose tokens are all introspected may publish no key set.
    if (jwksUri === undefined) return { keys: [] };
    return requestJson({
      what: `the JWKS at ${jwksUri}`,
      url: jwksUri,
      timeoutMs: this.settings.timeoutMs,
    });
  }
}

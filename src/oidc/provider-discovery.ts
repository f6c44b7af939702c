import type { IssuerSettings } from './oidc-settings.js';
import { requestJson } from './provider-request.js';
import { providerUrlProblem } from './provider-url.js';

/** What the library needs from a provider's discovery document. */
export interface ProviderMetadata {
  /** The key set; absent only for an issuer whose tokens are all introspected. */
  readonly jwksUri: string | undefined;
  readonly introspectionEndpoint: string | undefined;
}

/**
 * The provider answered, and what it said contradicts the configuration (another issuer, a key
 * set over plain HTTP…). Unlike an outage this does not pass by waiting: at start it stops the
 * application.
 */
export class ProviderMismatchError extends Error {
  override readonly name = 'ProviderMismatchError';
}

/**
 * Fetches and checks the discovery document (OpenID Connect Discovery 1.0 §4, RFC 8414 §3):
 * its `issuer` must equal the configured issuer exactly (§4.3: no normalising, so a token's `iss`
 * cannot differ from what was checked), and the URLs it names must be HTTPS, or plain HTTP on
 * loopback. A network failure rejects with an ordinary `Error`; a contradiction with
 * {@link ProviderMismatchError}.
 */
export async function discoverProvider(settings: IssuerSettings): Promise<ProviderMetadata> {
  const document = await requestJson({
    what: `discovery at ${settings.discoveryUrl}`,
    url: settings.discoveryUrl,
    timeoutMs: settings.timeoutMs,
  });
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ProviderMismatchError(
      `the discovery document at ${settings.discoveryUrl} is not a JSON object`,
    );
  }
  const {
    issuer,
    jwks_uri: jwksUri,
    introspection_endpoint: introspection,
  } = document as Record<string, unknown>;
  if (issuer !== settings.issuer) {
    throw new ProviderMismatchError(
      `the discovery document at ${settings.discoveryUrl} names the issuer ${JSON.stringify(issuer)}, not the configured ${JSON.stringify(settings.issuer)}`,
    );
  }
  const needsIntrospection =
    settings.introspection !== undefined && settings.introspection.endpoint === undefined;
  return Object.freeze({
    jwksUri: checkedUrl(settings, 'jwks_uri', jwksUri, settings.introspection === undefined),
    // Only what is used is checked: a configured endpoint makes the document's irrelevant.
    introspectionEndpoint: needsIntrospection
      ? checkedUrl(settings, 'introspection_endpoint', introspection, true)
      : settings.introspection?.endpoint,
  });
}

function checkedUrl(
  settings: IssuerSettings,
  member: string,
  value: unknown,
  required: boolean,
): string | undefined {
  if (value === undefined) {
    if (!required) return undefined;
    throw new ProviderMismatchError(
      `the discovery document of ${settings.issuer} has no ${member}, and the configuration needs it`,
    );
  }
  const problem = providerUrlProblem(value);
  if (problem !== undefined) {
    throw new ProviderMismatchError(
      `the ${member} ${JSON.stringify(value)} of ${settings.issuer} ${problem}; only HTTPS (or plain HTTP on loopback) is used`,
    );
  }
  return value as string;
}

import { generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { basic } from './http.js';
import { forge } from './jwt-forge.js';

/** The API audience the test provider issues JWT access tokens for (RFC 8707 resource). */
export const API_RESOURCE = 'urn:gatehouse:api';
/** A resource whose access tokens are opaque: same audience, checked by introspection. */
export const OPAQUE_RESOURCE = 'urn:gatehouse:opaque';
/** Another API of the same provider: valid tokens, the wrong audience. */
export const OTHER_RESOURCE = 'urn:other:api';
/** The client that asks for tokens (client credentials). */
export const CLIENT = { id: 'reports-service', secret: 'reports-service-secret-0123456789' };
/** The resource server's own client, for introspection. */
export const RESOURCE_SERVER = { id: 'gatehouse-api', secret: 'gatehouse-api-secret-0123456789' };

/** One signing key of the provider: the private key, and its public JWK as published. */
export interface ProviderSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: JsonWebKey & { kid: string; alg: string };
}

let keyCounter = 0;

/** A fresh RS256 key with a kid of its own. */
export function newSigningKey(): ProviderSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `k${++keyCounter}-${Date.now().toString(36)}`;
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
  };
}

/**
 * A real OpenID Provider (node-oidc-provider, OpenID Certified) on a loopback port, in the test
 * process: client credentials, JWT access tokens for {@link API_RESOURCE} and
 * {@link OTHER_RESOURCE}, opaque ones for {@link OPAQUE_RESOURCE}, introspection and revocation.
 *
 * It counts the requests it serves by path, can rotate its keys, and can be stopped and started
 * again on the same port (its tokens survive, as with a persistent store).
 */
export class TestProvider {
  /** Requests served, by path (`/jwks`, `/.well-known/openid-configuration`, …). */
  readonly requests = new Map<string, number>();
  /** Extra claims written into every access token (roles, names…). */
  extraClaims: Record<string, unknown> = {};
  private handler!: (request: IncomingMessage, response: ServerResponse) => void;
  private server: Server | undefined;
  private readonly store = new Map<string, Record<string, unknown>>();

  private constructor(
    readonly port: number,
    /** The published keys; the first one signs. */
    public keys: ProviderSigningKey[],
    private readonly issuerOverride: string | undefined,
  ) {}

  /** Starts a provider on a free loopback port. `issuer` overrides the identifier it claims. */
  static async start(options: { issuer?: string } = {}): Promise<TestProvider> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const provider = new TestProvider(port, [newSigningKey()], options.issuer);
    await provider.resume();
    return provider;
  }

  /** The issuer identifier, as it writes it in `iss` and its discovery document. */
  get issuer(): string {
    return this.issuerOverride ?? this.url;
  }

  /** Where it listens. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** How often `path` was requested. */
  count(path: string): number {
    return this.requests.get(path) ?? 0;
  }

  /** The JWKS requests so far. */
  get jwksRequests(): number {
    return this.count('/jwks');
  }

  /** A client-credentials access token for `resource` with `scope`. */
  async token(scope = 'reports:read reports:write', resource = API_RESOURCE): Promise<string> {
    const response = await fetch(`${this.url}/token`, {
      method: 'POST',
      headers: {
        authorization: basic(CLIENT.id, CLIENT.secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
    });
    const body = (await response.json()) as { access_token?: string };
    if (response.status !== 200 || !body.access_token) {
      throw new Error(`the provider refused a token: ${response.status} ${JSON.stringify(body)}`);
    }
    return body.access_token;
  }

  /** Revokes `token` at the provider (RFC 7009), as the client would at logout. */
  async revoke(token: string): Promise<void> {
    const response = await fetch(`${this.url}/token/revocation`, {
      method: 'POST',
      headers: {
        authorization: basic(CLIENT.id, CLIENT.secret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }),
    });
    if (response.status !== 200) throw new Error(`revocation failed: ${response.status}`);
  }

  /**
   * Signs a token with the provider's current key (or `key`), as the provider would, but with
   * claims and header of the test's choosing: for expired, wrong-audience or `crit` tokens that
   * are validly signed.
   */
  sign(
    payload: Record<string, unknown>,
    header: Record<string, unknown> = {},
    key: ProviderSigningKey = this.keys[0]!,
  ): string {
    return forge(
      { alg: 'RS256', typ: 'at+jwt', kid: key.kid, ...header },
      payload,
      'RS256',
      key.privateKey,
    );
  }

  /** Claims like the provider's own access tokens, valid for ten minutes from `nowMs`. */
  claims(nowMs: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(nowMs / 1000);
    return {
      iss: this.issuer,
      aud: API_RESOURCE,
      sub: CLIENT.id,
      client_id: CLIENT.id,
      scope: 'reports:read',
      iat: now,
      exp: now + 600,
      jti: `jti-${now}-${Math.random().toString(36).slice(2)}`,
      ...extra,
    };
  }

  /**
   * Rotates keys: a new key signs from now on. `keepOld` keeps publishing the previous keys (the
   * usual overlap); without it they are withdrawn. Takes effect like a restart of the provider.
   */
  async rotate(options: { keepOld: boolean }): Promise<ProviderSigningKey> {
    const key = newSigningKey();
    this.keys = options.keepOld ? [key, ...this.keys] : [key];
    this.handler = this.build().callback();
    return key;
  }

  /** Stops answering: the port refuses connections (an outage). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Starts answering again, on the same port. */
  async resume(): Promise<void> {
    if (this.server) return;
    this.handler ??= this.build().callback();
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const path = (request.url ?? '').split('?')[0]!;
      this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
      this.handler(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  private build(): Provider {
    const store = this.store;
    class MapAdapter {
      constructor(private readonly model: string) {}
      async upsert(id: string, payload: Record<string, unknown>) {
        store.set(`${this.model}:${id}`, payload);
      }
      async find(id: string) {
        return store.get(`${this.model}:${id}`);
      }
      async findByUid() {
        return undefined;
      }
      async findByUserCode() {
        return undefined;
      }
      async consume(id: string) {
        const payload = store.get(`${this.model}:${id}`);
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      }
      async destroy(id: string) {
        store.delete(`${this.model}:${id}`);
      }
      async revokeByGrantId() {}
    }
    return new Provider(this.issuer, {
      adapter: MapAdapter,
      jwks: {
        keys: this.keys.map((k) => ({
          ...k.privateKey.export({ format: 'jwk' }),
          kid: k.kid,
          alg: 'RS256',
          use: 'sig',
        })),
      },
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_basic',
        },
        {
          client_id: RESOURCE_SERVER.id,
          client_secret: RESOURCE_SERVER.secret,
          grant_types: [],
          redirect_uris: [],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      ttl: { ClientCredentials: 600 },
      extraTokenClaims: async () => this.extraClaims,
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true, allowedPolicy: async () => true },
        revocation: { enabled: true, allowedPolicy: async () => true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => API_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => ({
            scope: 'reports:read reports:write',
            audience: resource === OPAQUE_RESOURCE ? API_RESOURCE : resource,
            accessTokenFormat: resource === OPAQUE_RESOURCE ? 'opaque' : 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
    });
  }
}

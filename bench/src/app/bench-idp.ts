import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userId } from './bench-keys.js';

/**
 * A stand-in identity provider on 127.0.0.1 for the OIDC routes: a discovery document and a JWKS
 * with one RS256 key, made fresh at each start, and the access tokens an OpenID Provider would
 * issue with it (RFC 9068: `typ: at+jwt`, `iss`, `aud`, `sub`, `exp`, `jti`). Both the library
 * and the jwks-rsa recipe fetch its keys once and cache them, so what is measured is verification.
 */
export class BenchIdentityProvider {
  readonly audience = 'https://bench-api.example.com';
  /** Requests served, to show that the key set is fetched once, not per request. */
  requests = 0;
  private readonly kid = randomBytes(8).toString('base64url');
  private readonly privateKey: KeyObject;
  private readonly jwks: string;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.jwks = JSON.stringify({
      keys: [
        { ...pair.publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256', use: 'sig' },
      ],
    });
    server.on('request', (request, response) => {
      this.requests++;
      const body =
        request.url === '/.well-known/openid-configuration'
          ? JSON.stringify({ issuer: this.issuer, jwks_uri: this.jwksUri })
          : request.url === '/jwks'
            ? this.jwks
            : undefined;
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
      response.end(body ?? '{}');
    });
  }

  /** Starts it on a free loopback port. */
  static async start(): Promise<BenchIdentityProvider> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    const { port } = server.address() as AddressInfo;
    return new BenchIdentityProvider(server, `http://127.0.0.1:${port}/`);
  }

  get jwksUri(): string {
    return `${this.issuer}jwks`;
  }

  /** `count` distinct access tokens for the 100 bench users, valid for an hour. */
  mint(count: number): string[] {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const header = encode({ alg: 'RS256', typ: 'at+jwt', kid: this.kid });
    const now = Math.floor(Date.now() / 1000);
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      const input = `${header}.${encode({
        iss: this.issuer,
        aud: this.audience,
        sub: userId(i),
        client_id: 'bench-client',
        iat: now,
        exp: now + 3600,
        jti: randomBytes(16).toString('base64url'),
      })}`;
      tokens.push(
        `${input}.${sign('sha256', Buffer.from(input), this.privateKey).toString('base64url')}`,
      );
    }
    return tokens;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

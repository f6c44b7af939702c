import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthUnavailableError } from '../core/auth-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import { TokenIntrospector } from './token-introspector.js';

/**
 * Against a hand-written introspection endpoint on loopback that answers from a table, counts
 * its calls and checks the client authentication.
 */
describe('TokenIntrospector', () => {
  let server: Server;
  let endpoint: string;
  let calls = 0;
  let status = 200;
  const answers = new Map<string, unknown>();
  const clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
  const seconds = () => Math.floor(clock.now() / 1000);

  beforeAll(async () => {
    server = createServer((req, res) => {
      calls++;
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        // RFC 6749 §2.3.1: form-encoded id and secret, joined by a colon, base64.
        const expected = `Basic ${Buffer.from('rs+id:s%C3%A9cret%3A%26').toString('base64')}`;
        if (
          req.headers.authorization !== expected ||
          form.get('token_type_hint') !== 'access_token'
        ) {
          res.writeHead(401).end('{"error":"invalid_client"}');
          return;
        }
        res
          .writeHead(status)
          .end(JSON.stringify(answers.get(form.get('token')!) ?? { active: false }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const make = (cacheMs = 60_000, cacheSize = 100) =>
    new TokenIntrospector(
      { clientId: 'rs id', clientSecret: 'sécret:&', endpoint, cacheMs, cacheSize },
      async () => endpoint,
      2000,
      clock,
    );

  it('authenticates with client_secret_basic and returns the active answer', async () => {
    answers.set('t1', { active: true, sub: 'ada', exp: seconds() + 600 });
    expect(await make().introspect('t1')).toMatchObject({ active: true, sub: 'ada' });
  });

  it('takes only the boolean true as active', async () => {
    const introspector = make();
    for (const [token, answer] of [
      ['s', { active: 'true', sub: 'x' }],
      ['n', { active: 1, sub: 'x' }],
      ['m', { sub: 'x' }],
    ] as const) {
      answers.set(token, answer);
      expect(await introspector.introspect(token)).toBeNull();
    }
  });

  it('caches until the earlier of exp and the bound, one call for concurrent requests', async () => {
    const introspector = make();
    answers.set('short', { active: true, sub: 'ada', exp: seconds() + 10 });
    answers.set('long', { active: true, sub: 'ada', exp: seconds() + 3600 });
    const before = calls;
    await Promise.all([1, 2, 3].map(() => introspector.introspect('short')));
    await introspector.introspect('long');
    expect(calls).toBe(before + 2);
    clock.advance(9_000);
    await introspector.introspect('short');
    expect(calls).toBe(before + 2);
    clock.advance(1_000);
    await introspector.introspect('short');
    expect(calls).toBe(before + 3);
    clock.advance(50_000);
    await introspector.introspect('long');
    expect(calls).toBe(before + 4);
  });

  it('caches inactive answers for the bound, keeps the cache bounded, and can ask every time', async () => {
    const introspector = make(60_000, 2);
    const before = calls;
    await introspector.introspect('nope');
    await introspector.introspect('nope');
    expect(calls).toBe(before + 1);
    await introspector.introspect('a');
    await introspector.introspect('b');
    await introspector.introspect('nope');
    expect(calls).toBe(before + 4);
    const uncached = make(0);
    await uncached.introspect('nope');
    await uncached.introspect('nope');
    expect(calls).toBe(before + 6);
  });

  it('answers 503 when the endpoint fails or refuses the client', async () => {
    status = 500;
    await expect(make().introspect('t-500')).rejects.toBeInstanceOf(AuthUnavailableError);
    status = 200;
    const wrongClient = new TokenIntrospector(
      { clientId: 'rs', clientSecret: 'wrong', endpoint, cacheMs: 0, cacheSize: 1 },
      async () => endpoint,
      2000,
      clock,
    );
    await expect(wrongClient.introspect('t1')).rejects.toMatchObject({
      reason: 'OIDC_INTROSPECTION_UNAVAILABLE',
    });
  });
});

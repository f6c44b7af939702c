import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RESPONSE_BYTES, requestJson } from './provider-request.js';

describe('requestJson: what the library fetches from a provider', () => {
  let server: Server;
  let base: string;
  const seen: IncomingMessage[] = [];
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/ok': (_req, res) => res.setHeader('content-type', 'application/json').end('{"a":1}'),
    '/redirect': (_req, res) => res.writeHead(302, { location: '/ok' }).end(),
    '/missing': (_req, res) => res.writeHead(404).end('{}'),
    '/html': (_req, res) => res.end('<html>'),
    '/declared-big': (_req, res) => res.end(`"${'x'.repeat(MAX_RESPONSE_BYTES)}"`),
    // Chunked, without a length: counted as it arrives.
    '/streamed-big': (_req, res) => {
      for (let i = 0; i < 9; i++) res.write('x'.repeat(64 * 1024));
      res.end();
    },
    '/hang': () => undefined,
    '/echo': (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => res.end(JSON.stringify({ method: req.method, body })));
    },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      routes[req.url ?? '']?.(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (path: string, timeoutMs = 2000) =>
    requestJson({ what: 'the test document', url: base + path, timeoutMs });

  it('reads JSON, and posts a form with the authorization given', async () => {
    expect(await get('/ok')).toEqual({ a: 1 });
    const echoed = await requestJson({
      what: 'introspection',
      url: `${base}/echo`,
      timeoutMs: 2000,
      form: new URLSearchParams({ token: 'abc' }),
      authorization: 'Basic eDp5',
    });
    expect(echoed).toEqual({ method: 'POST', body: 'token=abc' });
    expect(seen.at(-1)!.headers.authorization).toBe('Basic eDp5');
  });

  it('follows no redirect and takes status 200 only', async () => {
    await expect(get('/redirect')).rejects.toThrow(/the test document failed/);
    await expect(get('/missing')).rejects.toThrow(/answered HTTP 404/);
  });

  it('refuses what is not JSON, or larger than the limit', async () => {
    await expect(get('/html')).rejects.toThrow(/not JSON/);
    await expect(get('/declared-big')).rejects.toThrow(/answered 524290 bytes, more than 524288/);
    await expect(get('/streamed-big')).rejects.toThrow(/answered more than 524288 bytes/);
  });

  it('gives up (and aborts) after the timeout', async () => {
    const started = Date.now();
    await expect(get('/hang', 150)).rejects.toThrow(/did not answer within 150 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('never sends anything to a URL outside HTTPS or loopback', async () => {
    const before = seen.length;
    for (const url of [
      'http://example.com/jwks',
      'file:///etc/passwd',
      'https://u:p@example.com/',
    ]) {
      await expect(requestJson({ what: 'a JWKS', url, timeoutMs: 100 })).rejects.toThrow(
        /a JWKS: the URL/,
      );
    }
    expect(seen.length).toBe(before);
  });
});

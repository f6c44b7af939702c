import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { NatsContext, TcpContext } from '@nestjs/microservices';
import { describe, expect, it } from 'vitest';
import { AuthConfigurationError } from '../core/auth-error.js';
import { carriedHeaders, upgradeView } from './connection.js';
import { GraphQLTransport } from './graphql.transport.js';
import { PATTERN_METADATA, RpcTransport, withCredentials } from './rpc.transport.js';
import { attachedView } from './request-views.js';
import { TransportSettings } from './transport-settings.js';

const settings = new TransportSettings(undefined, undefined);

function context(type: string, args: unknown[], handler: () => unknown = () => undefined) {
  const host = new ExecutionContextHost(args, class Handlers {}, handler);
  host.setType(type);
  return host;
}

describe('carriedHeaders: the credentials a connection_init payload or an RPC envelope carries', () => {
  it('takes credential headers by their lower-cased names', () => {
    expect(carriedHeaders({ Authorization: 'Bearer a.b.c', 'X-API-Key': 'gk_1_2' })).toEqual({
      authorization: 'Bearer a.b.c',
      'x-api-key': 'gk_1_2',
    });
  });

  it('never lets a payload set what describes the transport: cookie, host, origin, sec-*, proxies', () => {
    expect(
      carriedHeaders({
        Cookie: 'sid=stolen',
        Host: 'evil.example',
        Origin: 'https://evil.example',
        'Sec-Fetch-Site': 'same-origin',
        'X-Forwarded-For': '10.0.0.1',
        'Proxy-Authorization': 'Basic eA==',
        'content-type': 'text/plain',
      }),
    ).toEqual({});
  });

  it('ignores non-strings, oversized values, bad names and non-objects', () => {
    expect(
      carriedHeaders({
        authorization: ['Bearer a', 'Bearer b'],
        'x-api-key': 'k'.repeat(8193),
        'bad name': 'x',
        nested: { authorization: 'Bearer x' },
      }),
    ).toEqual({});
    expect(carriedHeaders('Bearer x')).toEqual({});
    expect(carriedHeaders(['authorization', 'x'])).toEqual({});
    expect(carriedHeaders(null)).toEqual({});
  });

  it('a name given twice in two spellings counts as none', () => {
    expect(carriedHeaders({ Authorization: 'Bearer a', authorization: 'Bearer b' })).toEqual({
      authorization: '',
    });
  });

  it('upgradeView keeps the cookie only when told, and the payload wins over the upgrade', () => {
    const request = {
      headers: { cookie: 'sid=1', authorization: 'Bearer upgrade', host: 'api' },
      url: '/ws?x=1',
      socket: { remoteAddress: '127.0.0.1' },
    } as never;
    const kept = upgradeView(request, 'ws', { authorization: 'Bearer payload' }, true);
    expect(kept).toMatchObject({
      method: 'GET',
      url: '/ws?x=1',
      ip: '127.0.0.1',
      transport: 'ws',
      headers: { cookie: 'sid=1', authorization: 'Bearer payload', host: 'api' },
    });
    expect(upgradeView(request, 'ws', {}, false).headers.cookie).toBeUndefined();
  });
});

describe('RpcTransport', () => {
  const rpc = new RpcTransport(settings);
  const handler = () => undefined;
  Reflect.defineMetadata(PATTERN_METADATA, [{ cmd: 'sum' }], handler);

  it('reads the envelope, takes it off the data, and names the pattern', () => {
    const data = withCredentials({ values: [1] }, { authorization: 'Bearer t' });
    const view = rpc.request(context('rpc', [data, new TcpContext([{} as never, 'sum'])], handler));
    expect(view).toMatchObject({
      headers: { authorization: 'Bearer t' },
      transport: 'rpc',
      operation: '{"cmd":"sum"}',
    });
    expect(data).toEqual({ values: [1] });
  });

  it('a second guard on the same message gets the same view', () => {
    const args = [
      withCredentials({}, { authorization: 'Bearer t' }),
      new TcpContext([{} as never, 'p']),
    ];
    const first = rpc.request(context('rpc', args, handler));
    expect(rpc.request(context('rpc', [...args], handler))).toBe(first);
    expect(attachedView(context('rpc', [...args], handler))).toBe(first);
  });

  it('reads NATS headers, and gRPC metadata, instead of the envelope', () => {
    const headers = new Map([['Authorization', 'Bearer nats']]);
    const nats = new NatsContext([
      'subject',
      { keys: () => headers.keys(), get: (k: string) => headers.get(k) },
    ]);
    expect(
      rpc.request(context('rpc', [{ $auth: { authorization: 'Bearer no' } }, nats], handler))
        .headers,
    ).toEqual({
      authorization: 'Bearer nats',
    });
    const metadata = {
      getMap: () => ({ authorization: 'Bearer grpc', 'bin-key': Buffer.from('x') }),
    };
    expect(rpc.request(context('rpc', [{}, metadata, {}], handler)).headers).toEqual({
      authorization: 'Bearer grpc',
    });
  });
});

describe('GraphQLTransport', () => {
  const graphql = new GraphQLTransport();
  const info = (operation: 'query' | 'mutation', name?: string) => ({
    operation: { operation, name: name === undefined ? undefined : { value: name } },
    path: { key: 'field', prev: undefined },
  });
  const http = (method: string, headers: Record<string, string> = {}) => ({
    headers,
    method,
    url: '/graphql',
  });

  it('presents a query as a read and a mutation as a write, named by the operation', () => {
    const query = graphql.request(
      context('graphql', [{}, {}, { req: http('POST') }, info('query', 'Me')]),
    );
    expect(query).toMatchObject({ method: 'GET', transport: 'graphql', operation: 'query Me' });
    const mutation = graphql.request(
      context('graphql', [{}, {}, { req: http('POST') }, info('mutation')]),
    );
    expect(mutation).toMatchObject({ method: 'POST', operation: 'mutation (anonymous)' });
    expect(graphql.reject(mutation)).toBeNull();
  });

  it('refuses a mutation sent by GET, and anything a form could post', () => {
    const byGet = graphql.request(
      context('graphql', [{}, {}, { req: http('GET') }, info('mutation')]),
    );
    expect(graphql.reject(byGet)).toEqual({ reason: 'GRAPHQL_MUTATION_OVER_GET' });
    for (const type of [
      'text/plain;charset=utf-8',
      'Application/X-WWW-Form-Urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const form = graphql.request(
        context('graphql', [
          {},
          {},
          { req: http('POST', { 'content-type': type }) },
          info('query'),
        ]),
      );
      expect(graphql.reject(form)).toMatchObject({ reason: 'CSRF_FORM_CONTENT_TYPE' });
    }
  });

  it('one view serves every field of an operation', () => {
    const gqlContext = { req: http('POST') };
    const first = graphql.request(context('graphql', [{}, {}, gqlContext, info('query')]));
    expect(graphql.request(context('graphql', [{ id: 1 }, {}, gqlContext, info('query')]))).toBe(
      first,
    );
  });

  it('a WebSocket operation the library did not see open is refused, not read as HTTP', () => {
    expect(() =>
      graphql.request(
        context('graphql', [
          {},
          {},
          { req: { connectionInitReceived: true, extra: {} } },
          info('query'),
        ]),
      ),
    ).toThrow(expect.objectContaining({ reason: 'CONTEXT_UNSUPPORTED' }));
    expect(() =>
      graphql.request(context('graphql', [{}, {}, { _connectionInit: {} }, info('query')])),
    ).toThrow(expect.objectContaining({ reason: 'CONTEXT_UNSUPPORTED' }));
  });
});

describe('TransportSettings', () => {
  it('defaults: no trusted origin, a check every 3 s, the $auth envelope', () => {
    expect(settings.trustedOrigins.size).toBe(0);
    expect(settings.recheckIntervalMs).toBe(3000);
    expect(settings.rpcCredentialField).toBe('$auth');
  });

  it.each([
    [{ trustedOrigins: ['https://app.example/path'] }, undefined, 'connections.trustedOrigins[0]'],
    [{ recheckIntervalSeconds: 0 }, undefined, 'connections.recheckIntervalSeconds'],
    [{ recheckIntervalSecond: 5 }, undefined, 'connections.recheckIntervalSecond'],
    [undefined, { credentialField: 'a b' }, 'rpc.credentialField'],
  ])('refuses %j / %j at bootstrap, naming %s', (connections, rpcOptions, option) => {
    expect(() => new TransportSettings(connections as never, rpcOptions as never)).toThrow(
      expect.objectContaining({ option }),
    );
    expect(() => new TransportSettings(connections as never, rpcOptions as never)).toThrow(
      AuthConfigurationError,
    );
  });
});

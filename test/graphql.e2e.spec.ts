import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import {
  AUTH_REASONS,
  AuthConfigurationError,
  AuthEvents,
  configureSessions,
  RevocationStore,
} from 'nestjs-gatehouse';
import { graphqlApp, graphqlDrivers, ReportBoard, ReportsResolver } from './apps/graphql.app.js';
import {
  Directory,
  SwitchableRevocationStore,
  transportApp,
  transportClock,
  TransportEvents,
} from './apps/transports.app.js';
import { startApp, type RunningApp } from './support/http-app.js';
import {
  credentialsOf,
  revokeAll,
  subscribe,
  type Credentials,
} from './support/transport-clients.js';

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

const SUBSCRIPTION = 'subscription { reportCreated { id title } }';
const codes = Object.keys(AUTH_REASONS);

describe('a protected field resolver without guards on field resolvers', () => {
  it('fails the start, instead of answering anyone', async () => {
    const app = transportApp({
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true }),
      ],
      providers: [ReportBoard, ReportsResolver],
    });
    const start = startApp(
      'fastify',
      app,
      (b) => b,
      (a) => configureSessions(a),
    );
    await expect(start).rejects.toThrow(AuthConfigurationError);
    await expect(start).rejects.toThrow(
      /ReportsResolver\.author.*fieldResolverEnhancers: \['guards'\]/,
    );
  });
});

describe.each(graphqlDrivers)('GraphQL behind the guard (%s on %s)', (driver, adapter) => {
  let app: RunningApp;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  let dave: Credentials;
  let events: TransportEvents;
  let board: ReportBoard;

  beforeAll(async () => {
    app = await startApp(
      adapter,
      graphqlApp(driver, { connections: { recheckIntervalSeconds: 1 } }),
      (b) => b,
      (a) => configureSessions(a),
    );
    alice = credentialsOf(app, 'alice');
    bob = credentialsOf(app, 'bob');
    carol = credentialsOf(app, 'carol');
    dave = credentialsOf(app, 'dave');
    events = app.app.get(AuthEvents) as TransportEvents;
    board = app.app.get(ReportBoard);
  });
  afterAll(() => app.close());
  beforeEach(() => {
    events.events.length = 0;
  });

  async function gql(
    query: string,
    headers: Record<string, string> = {},
    variables?: Record<string, unknown>,
  ): Promise<{ status: number; body: GraphQLBody; text: string }> {
    const response = await fetch(app.url + '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as GraphQLBody, text };
  }

  /** The response carries a refusal only in generic terms. */
  function expectGeneric(text: string) {
    for (const code of codes) expect(text).not.toContain(code);
    expect(text).not.toMatch(
      /stacktrace|\s+at\s|AuthenticationFailedError|PermissionDenied|gatehouse/i,
    );
  }

  describe('queries and mutations over HTTP', () => {
    it('is protected by default: no credential gives UNAUTHENTICATED and data null for the field', async () => {
      const { status, body, text } = await gql('query Me { me { id } }');
      expect(status).toBe(200);
      expect(body.data).toEqual({ me: null });
      expect(body.errors).toHaveLength(1);
      expect(body.errors![0]).toMatchObject({
        message: 'Unauthorized',
        path: ['me'],
        extensions: { code: 'UNAUTHENTICATED' },
      });
      expectGeneric(text);
    });

    it('names the GraphQL operation in the event, never "POST /"', async () => {
      await gql('query Me { me { id } }');
      expect(events.events).toContainEqual(
        expect.objectContaining({
          type: 'authentication_failed',
          transport: 'graphql',
          operation: 'query Me',
          reason: 'CREDENTIAL_MISSING',
        }),
      );
    });

    it('@Public() answers anyone, and attaches the user when the credential is valid', async () => {
      expect((await gql('{ health }')).body).toEqual({ data: { health: 'ok' } });
      expect((await gql('{ whoami }')).body).toEqual({ data: { whoami: 'anonymous' } });
      expect((await gql('{ whoami }', await alice.bearer())).body).toEqual({
        data: { whoami: 'alice via jwt' },
      });
      // A bad credential on a public field leaves it anonymous instead of failing.
      expect((await gql('{ whoami }', { authorization: 'Bearer nonsense' })).body).toEqual({
        data: { whoami: 'anonymous' },
      });
    });

    it('takes a bearer token, an API key and a session cookie, as HTTP does', async () => {
      const query = '{ me { id auth permissions } }';
      expect((await gql(query, await bob.bearer())).body.data).toEqual({
        me: { id: 'bob', auth: 'jwt', permissions: ['reports:read'] },
      });
      const key = await carol.apiKey(['reports:read']);
      expect((await gql(query, key.headers)).body.data).toEqual({
        me: { id: 'carol', auth: 'apikey', permissions: ['reports:read'] },
      });
      const session = await alice.session();
      // A query is a read: the session cookie needs no CSRF token for it.
      expect((await gql(query, { cookie: session.cookie })).body.data).toEqual({
        me: {
          id: 'alice',
          auth: 'session',
          permissions: ['reports:delete', 'reports:read', 'reports:write'],
        },
      });
    });

    it('a missing permission gives FORBIDDEN; @Auth narrows the backends', async () => {
      const refused = await gql('{ reports { id } }', await dave.bearer());
      expect(refused.body.data).toEqual({ reports: null });
      expect(refused.body.errors![0]).toMatchObject({
        message: 'Forbidden',
        extensions: { code: 'FORBIDDEN' },
      });
      expectGeneric(refused.text);
      expect((await gql('{ reports { id } }', await bob.bearer())).body.data).toEqual({
        reports: board.reports.map((r) => ({ id: r.id })),
      });
      const jwt = await gql('{ keyOnly }', await alice.bearer());
      expect(jwt.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect((await gql('{ keyOnly }', (await alice.apiKey()).headers)).body.data).toEqual({
        keyOnly: 'apikey',
      });
    });

    it('mutations check their permission, and see the user', async () => {
      const before = board.reports.length;
      const refused = await gql('mutation { createReport(title: "x") { id } }', await bob.bearer());
      expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(board.reports).toHaveLength(before);
      const created = await gql(
        'mutation Create($t: String!) { createReport(title: $t) { title author_id } }',
        await carol.bearer(),
        { t: 'from carol' },
      );
      expect(created.body).toEqual({
        data: { createReport: { title: 'from carol', author_id: 'carol' } },
      });
    });

    it('logs no Nest ERROR for a refusal: it is an answer, and its reason goes to the event', async () => {
      const logged: unknown[][] = [];
      const record = (...message: unknown[]) => logged.push(message);
      app.app.useLogger({
        log() {},
        warn() {},
        debug() {},
        verbose() {},
        error: record,
        fatal: record,
      });
      try {
        const refusals = [
          await gql('query Me { me { id } }'),
          await gql('mutation { createReport(title: "x") { id } }', await bob.bearer()),
          await gql('{ reports { id audit } }', await carol.bearer()),
        ];
        expect(refusals.map((r) => r.body.errors?.[0]?.extensions?.code)).toEqual([
          'UNAUTHENTICATED',
          'FORBIDDEN',
          'FORBIDDEN',
        ]);
        expect(logged).toEqual([]);
        expect(events.events.map((e) => e.reason)).toEqual(
          expect.arrayContaining(['CREDENTIAL_MISSING', 'PERMISSION_MISSING']),
        );
        // The application's own errors are logged as before.
        await gql('{ broken }');
        expect(logged).toHaveLength(1);
        expect(String(logged[0]![0])).toContain('a bug in the resolver');
      } finally {
        app.app.useLogger(false);
      }
    });

    it('field resolvers are guarded like queries, field by field', async () => {
      const { body } = await gql('{ reports { id author audit } }', await carol.bearer());
      const reports = body.data!.reports as Record<string, unknown>[];
      expect(reports[0]).toEqual({ id: '1', author: 'alice (seen by carol)', audit: null });
      expect(body.errors![0]!.extensions).toEqual({ code: 'FORBIDDEN' });
      // Mercurius writes the list index as a string.
      expect(body.errors![0]!.path!.map(String)).toEqual(['reports', '0', 'audit']);
      const admin = await gql('{ reports { id audit } }', await alice.bearer());
      expect(admin.body.errors).toBeUndefined();
      // One authentication serves every field of the operation.
      expect(
        events.events.filter((e) => e.type === 'authenticated' && e.identity === 'alice'),
      ).toHaveLength(1);
    });

    it('a mutation authenticated by the session cookie needs the CSRF token', async () => {
      const session = await carol.session();
      const before = board.reports.length;
      const mutation = 'mutation { createReport(title: "csrf") { id } }';
      const refused = await gql(mutation, { cookie: session.cookie });
      expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(board.reports).toHaveLength(before);
      expect(events.events).toContainEqual(
        expect.objectContaining({
          type: 'permission_denied',
          reason: 'CSRF_TOKEN_INVALID',
          transport: 'graphql',
        }),
      );
      const allowed = await gql(mutation, { cookie: session.cookie, 'x-csrf-token': session.csrf });
      expect(allowed.body.errors).toBeUndefined();
      expect(board.reports).toHaveLength(before + 1);
    });

    it('a GET never runs a mutation', async () => {
      const before = board.reports.length;
      const query = encodeURIComponent('mutation { createReport(title: "by get") { id } }');
      const response = await fetch(app.url + `/graphql?query=${query}`, await carol.bearer());
      expect(response.status).toBeGreaterThanOrEqual(200);
      expect(board.reports).toHaveLength(before);
      // GET still runs queries.
      const health = await fetch(app.url + `/graphql?query=${encodeURIComponent('{ health }')}`);
      expect(await health.json()).toEqual({ data: { health: 'ok' } });
    });

    it.each([
      ['text/plain', JSON.stringify({ query: 'mutation { ping }' })],
      ['application/x-www-form-urlencoded', `query=${encodeURIComponent('mutation { ping }')}`],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\nmutation { ping }\r\n--x--',
      ],
    ])(
      'a POST a form could send (%s) runs nothing, not even a public field',
      async (type, body) => {
        const response = await fetch(app.url + '/graphql', {
          method: 'POST',
          headers: { 'content-type': type, ...(await carol.bearer()) },
          body,
        });
        const text = await response.text();
        expect(text).not.toContain('pong');
        expectGeneric(text);
      },
    );

    it('a store outage gives SERVICE_UNAVAILABLE, never anonymous', async () => {
      const store = app.app.get(RevocationStore) as SwitchableRevocationStore;
      const headers = await alice.bearer();
      store.down = true;
      try {
        const { body, text } = await gql('{ me { id } whoami }', headers);
        expect(body.data).toBeNull();
        expect(body.errors![0]).toMatchObject({
          message: 'Service Unavailable',
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        });
        expectGeneric(text);
        expect(text).not.toContain('ECONNREFUSED');
      } finally {
        store.down = false;
      }
    });
  });

  describe('subscriptions over graphql-ws', () => {
    it('without a credential the connection is closed at connection_init with 4401', async () => {
      const run = subscribe(app, SUBSCRIPTION);
      expect(await run.closed).toBe(4401);
      expect(board.subscribers).toBe(0);
    });

    it('a bad credential in the payload is closed with 4401 too', async () => {
      const run = subscribe(app, SUBSCRIPTION, {
        connectionParams: { Authorization: 'Bearer not-a-token' },
      });
      expect(await run.closed).toBe(4401);
    });

    it('authenticates from the connection_init payload, and delivers events', async () => {
      const run = subscribe(app, SUBSCRIPTION, { connectionParams: await bob.bearer() });
      await run.connected;
      await expect.poll(() => board.subscribers).toBe(1);
      board.add('live', 'carol');
      expect(await run.next()).toMatchObject({ data: { reportCreated: { title: 'live' } } });
      await run.client.dispose();
      await expect.poll(() => board.subscribers).toBe(0);
    });

    it('authenticates from the handshake session cookie, and an API key in the payload', async () => {
      const session = await bob.session();
      const byCookie = subscribe(app, SUBSCRIPTION, { headers: { cookie: session.cookie } });
      const byKey = subscribe(app, SUBSCRIPTION, {
        connectionParams: { 'X-API-Key': (await bob.apiKey()).headers['x-api-key'] },
      });
      await Promise.all([byCookie.connected, byKey.connected]);
      await expect.poll(() => board.subscribers).toBe(2);
      board.add('both', 'alice');
      expect(await byCookie.next()).toMatchObject({ data: { reportCreated: { title: 'both' } } });
      expect(await byKey.next()).toMatchObject({ data: { reportCreated: { title: 'both' } } });
      await Promise.all([byCookie.client.dispose(), byKey.client.dispose()]);
    });

    it('a cookie from another site is not a credential: 4403', async () => {
      const session = await bob.session();
      const run = subscribe(app, SUBSCRIPTION, {
        headers: { cookie: session.cookie, origin: 'https://evil.example' },
      });
      expect(await run.closed).toBe(4403);
      expect(events.events).toContainEqual(
        expect.objectContaining({ type: 'permission_denied', reason: 'CSRF_ORIGIN_REJECTED' }),
      );
    });

    it('a subscription refused for a missing permission closes the connection with 4403', async () => {
      const run = subscribe(app, SUBSCRIPTION, { connectionParams: await dave.bearer() });
      expect(await run.closed).toBe(4403);
      expect(events.events).toContainEqual(
        expect.objectContaining({
          type: 'permission_denied',
          transport: 'graphql',
          operation: 'subscription (anonymous)',
        }),
      );
    });

    it('a revoked credential ends the subscription with 4401', async () => {
      const run = subscribe(app, SUBSCRIPTION, { connectionParams: await bob.bearer() });
      await run.connected;
      await expect.poll(() => board.subscribers).toBeGreaterThan(0);
      await revokeAll(app, 'bob');
      // Tokens issued from now on work again (the revocation covers those issued until now).
      transportClock.advance(1000);
      expect(await run.closed).toBe(4401);
      await expect.poll(() => board.subscribers).toBe(0);
    });

    it('a disabled user and an expired token end their subscriptions within the recheck interval', async () => {
      const directory = app.app.get(Directory);
      const carolRun = subscribe(app, SUBSCRIPTION, { connectionParams: await carol.bearer() });
      const aliceRun = subscribe(app, SUBSCRIPTION, { connectionParams: await alice.bearer() });
      await Promise.all([carolRun.connected, aliceRun.connected]);
      directory.disabled.add('carol');
      try {
        expect(await carolRun.closed).toBe(4401);
      } finally {
        directory.disabled.delete('carol');
      }
      // Past the access token lifetime (900 s) and the clock tolerance (5 s).
      transportClock.advance(1_000_000);
      expect(await aliceRun.closed).toBe(4401);
    });
  });
});

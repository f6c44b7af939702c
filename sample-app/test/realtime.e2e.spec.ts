import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapters } from '../../test/support/http-app.js';
import { connectWs, subscribe, type Reachable } from '../../test/support/transport-clients.js';
import {
  ADMIN,
  login,
  newAccount,
  PASSWORD,
  startSample,
  type Account,
  type TestSample,
} from './support/sample-app.js';

interface GraphQLResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const REPORT_FIELDS = 'id title body author_id created_at';

describe.each(adapters)('sample app: GraphQL at /graphql and WebSocket at /ws (%s)', (adapter) => {
  let sample: TestSample;
  let app: Reachable;
  let admin: Account;
  let moderator: Account;
  let user: Account;

  beforeAll(async () => {
    sample = await startSample({ httpAdapter: adapter, admin: ADMIN });
    app = { url: sample.url };
    admin = await login(sample.client, ADMIN.username, ADMIN.password);
    moderator = await newAccount(sample.client, { roles: ['moderator'] });
    user = await newAccount(sample.client);
  });
  afterAll(() => sample.close());

  async function gql(query: string, headers: Record<string, string> = {}, variables?: object) {
    const response = await fetch(`${sample.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as GraphQLResult, text };
  }

  async function sessionLogin(account: Account) {
    const response = await fetch(`${sample.url}/auth/session/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: account.username, password: PASSWORD }),
    });
    const cookie = response.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const { csrf_token } = (await response.json()) as { csrf_token: string };
    return { cookie, csrf: csrf_token };
  }

  describe('GraphQL', () => {
    it('health is public, by POST and by GET', async () => {
      expect((await gql('{ health }')).body).toEqual({ data: { health: 'ok' } });
      const get = await fetch(`${sample.url}/graphql?query=${encodeURIComponent('{ health }')}`);
      expect(await get.json()).toEqual({ data: { health: 'ok' } });
    });

    it('me needs a credential: data null, UNAUTHENTICATED, Unauthorized, no stack trace', async () => {
      const { status, body, text } = await gql('{ me { id } }');
      expect(status).toBe(200);
      expect(body.data).toEqual({ me: null });
      expect(body.errors).toEqual([
        expect.objectContaining({
          message: 'Unauthorized',
          extensions: { code: 'UNAUTHENTICATED' },
        }),
      ]);
      expect(text).not.toMatch(/stacktrace|\s+at\s|gatehouse|CREDENTIAL_/i);
    });

    it('me answers as GET /auth/me does, for a JWT and a session cookie', async () => {
      const expected = (await sample.client.get('/auth/me', moderator.auth)).body;
      const query = '{ me { id username email roles permissions auth } }';
      expect((await gql(query, moderator.auth)).body).toEqual({ data: { me: expected } });
      const session = await sessionLogin(moderator);
      expect((await gql(query, { cookie: session.cookie })).body).toEqual({
        data: { me: { ...expected, auth: 'session' } },
      });
    });

    it('reports, createReport and deleteReport check their permissions', async () => {
      const refused = await gql(
        'mutation { createReport(title: "t", body: "b") { id } }',
        user.auth,
      );
      expect(refused.body).toEqual({
        data: { createReport: null },
        errors: [
          expect.objectContaining({ message: 'Forbidden', extensions: { code: 'FORBIDDEN' } }),
        ],
      });
      const created = await gql(
        `mutation ($t: String!, $b: String!) { createReport(title: $t, body: $b) { ${REPORT_FIELDS} } }`,
        moderator.auth,
        { t: 'Q2', b: 'by GraphQL' },
      );
      const report = created.body.data!.createReport as { id: string; author_id: string };
      expect(report).toMatchObject({ title: 'Q2', body: 'by GraphQL', author_id: moderator.id });
      const listed = await gql(`{ reports { ${REPORT_FIELDS} } }`, user.auth);
      expect(listed.body.data!.reports).toContainEqual(report);
      const byUser = await gql(`mutation { deleteReport(id: "${report.id}") }`, user.auth);
      expect(byUser.body.errors![0]!.extensions).toEqual({ code: 'FORBIDDEN' });
      expect((await gql(`mutation { deleteReport(id: "${report.id}") }`, admin.auth)).body).toEqual(
        {
          data: { deleteReport: true },
        },
      );
    });

    it('a cookie mutation needs X-CSRF-Token; GET and form posts run no mutation', async () => {
      const session = await sessionLogin(moderator);
      const mutation = 'mutation { createReport(title: "csrf", body: "x") { id } }';
      const before = (await sample.client.get('/reports', admin.auth)).body.length;
      expect((await gql(mutation, { cookie: session.cookie })).body.errors![0]!.extensions).toEqual(
        {
          code: 'FORBIDDEN',
        },
      );
      await fetch(`${sample.url}/graphql?query=${encodeURIComponent(mutation)}`, {
        headers: moderator.auth,
      });
      await fetch(`${sample.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', ...moderator.auth },
        body: JSON.stringify({ query: mutation }),
      });
      expect((await sample.client.get('/reports', admin.auth)).body.length).toBe(before);
      const allowed = await gql(mutation, { cookie: session.cookie, 'x-csrf-token': session.csrf });
      expect(allowed.body.errors).toBeUndefined();
      expect((await sample.client.get('/reports', admin.auth)).body.length).toBe(before + 1);
    });

    it('reportCreated streams new reports, and ends with 4401 once the login is revoked', async () => {
      const account = await newAccount(sample.client);
      expect(await subscribe(app, 'subscription { reportCreated { id title } }').closed).toBe(4401);
      const run = subscribe(app, 'subscription { reportCreated { id title } }', {
        connectionParams: { Authorization: account.auth.authorization },
      });
      await run.connected;
      // The subscription is live once the server ran it: create reports until one arrives.
      await expect
        .poll(async () => {
          await sample.client.post('/reports', { title: 'live', body: 'x' }, moderator.auth);
          return run.results.length;
        })
        .toBeGreaterThan(0);
      expect(run.results[0]).toMatchObject({ data: { reportCreated: { title: 'live' } } });
      const started = Date.now();
      expect((await sample.client.post('/auth/logout-all', undefined, account.auth)).status).toBe(
        204,
      );
      expect(await run.closed).toBe(4401);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  describe('WebSocket /ws', () => {
    it('answers an upgrade without a credential with 401, and a cross-site cookie one with 403', async () => {
      expect(await connectWs(app, '/ws').opened).toMatchObject({ open: false, status: 401 });
      const session = await sessionLogin(user);
      const crossSite = connectWs(app, '/ws', {
        headers: { cookie: session.cookie, origin: 'https://evil.example' },
      });
      expect(await crossSite.opened).toMatchObject({ open: false, status: 403 });
    });

    it('whoami, reports.list and reports.create; a refused event keeps the socket open', async () => {
      const socket = connectWs(app, '/ws', { headers: moderator.auth });
      expect(await socket.opened).toEqual({ open: true });
      socket.send('whoami');
      expect(await socket.next()).toEqual({
        event: 'whoami',
        data: {
          id: moderator.id,
          username: moderator.username,
          auth: 'jwt',
          permissions: ['reports:read', 'reports:write'],
        },
      });
      socket.send('reports.create', { title: 'by ws', body: 'hello' });
      expect(await socket.next()).toMatchObject({
        event: 'reports.create',
        data: { title: 'by ws', body: 'hello', author_id: moderator.id },
      });
      socket.send('reports.list');
      expect(await socket.next()).toMatchObject({ event: 'reports.list', data: expect.any(Array) });
      socket.close();

      const reader = connectWs(app, '/ws', { headers: user.auth });
      await reader.opened;
      reader.send('reports.create', { title: 'no', body: 'no' });
      expect(await reader.next()).toEqual({
        event: 'error',
        data: { status: 403, message: 'Forbidden' },
      });
      reader.send('whoami');
      expect(await reader.next()).toMatchObject({ event: 'whoami', data: { id: user.id } });
      reader.close();
    });

    it('a session cookie from the app itself works; revoking the credential ends the socket with 4401', async () => {
      const account = await newAccount(sample.client);
      const session = await sessionLogin(account);
      const socket = connectWs(app, '/ws', { headers: { cookie: session.cookie } });
      expect(await socket.opened).toEqual({ open: true });
      socket.send('whoami');
      expect(await socket.next()).toMatchObject({ event: 'whoami', data: { auth: 'session' } });
      expect((await sample.client.post('/auth/logout-all', undefined, account.auth)).status).toBe(
        204,
      );
      expect(await socket.next()).toEqual({
        event: 'error',
        data: { status: 401, message: 'Unauthorized' },
      });
      expect(await socket.closed).toBe(4401);
    });
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthConfigurationError,
  AuthEvents,
  configureSessions,
  RevocationStore,
} from 'nestjs-gatehouse';
import { gatewayApp, useGatehouseAdapter, wsAdapters } from './apps/gateway.app.js';
import {
  Directory,
  transportClock,
  type SwitchableRevocationStore,
  type TransportEvents,
} from './apps/transports.app.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import {
  connectIo,
  connectWs,
  credentialsOf,
  revokeAll,
  type Credentials,
  type GatewayClient,
} from './support/transport-clients.js';

const matrix = wsAdapters.flatMap((ws) => adapters.map((http) => [ws, http] as const));

describe.each(matrix)('gateways behind the guard (%s on %s)', (kind, adapter) => {
  let app: RunningApp;
  let alice: Credentials;
  let bob: Credentials;
  let carol: Credentials;
  let events: TransportEvents;
  const open: GatewayClient[] = [];

  beforeAll(async () => {
    app = await startApp(
      adapter,
      gatewayApp(),
      (b) => b,
      async (a) => {
        await configureSessions(a);
        useGatehouseAdapter(a, kind);
      },
    );
    alice = credentialsOf(app, 'alice');
    bob = credentialsOf(app, 'bob');
    carol = credentialsOf(app, 'carol');
    events = app.app.get(AuthEvents) as TransportEvents;
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await app.close();
  });
  beforeEach(() => {
    events.events.length = 0;
  });

  /** Opens a connection to `path`, credentials as HTTP headers of the upgrade. */
  function connect(path: string, headers: Record<string, string> = {}): GatewayClient {
    const client =
      kind === 'ws' ? connectWs(app, path, { headers }) : connectIo(app, path, { headers });
    open.push(client);
    return client;
  }

  /** How the transport says the server ended a connection whose credential is gone. */
  const gone = kind === 'ws' ? 4401 : 'io server disconnect';

  it('answers an upgrade without a credential with 401 and opens no socket', async () => {
    const client = connect('/ws');
    const opened = await client.opened;
    expect(opened).toMatchObject({ open: false, status: 401 });
    if (kind === 'ws' && !opened.open) {
      expect(opened.headers['www-authenticate']).toContain('Bearer realm="api"');
    }
    expect(events.events).toContainEqual(
      expect.objectContaining({
        type: 'authentication_failed',
        transport: 'ws',
        reason: 'CREDENTIAL_MISSING',
      }),
    );
  });

  it('an invalid credential is refused the same way', async () => {
    const client = connect('/ws', { authorization: 'Bearer forged' });
    expect(await client.opened).toMatchObject({ open: false, status: 401 });
  });

  it('authenticates the upgrade by bearer token, API key or session cookie', async () => {
    const session = await alice.session();
    const key = await carol.apiKey(['reports:read']);
    const byToken = connect('/ws', await bob.bearer());
    const byKey = connect('/ws', key.headers);
    const byCookie = connect('/ws', { cookie: session.cookie });
    for (const client of [byToken, byKey, byCookie]) {
      expect(await client.opened).toEqual({ open: true });
      client.send('whoami');
    }
    expect(await byToken.next()).toEqual({
      event: 'whoami',
      data: { id: 'bob', auth: 'jwt', permissions: ['reports:read'] },
    });
    expect(await byKey.next()).toEqual({
      event: 'whoami',
      data: { id: 'carol', auth: 'apikey', permissions: ['reports:read'] },
    });
    expect(await byCookie.next()).toMatchObject({
      event: 'whoami',
      data: { id: 'alice', auth: 'session' },
    });
  });

  it('a tampered or unknown session cookie opens nothing', async () => {
    const session = await alice.session();
    const [name, value] = session.cookie.split('=') as [string, string];
    const tampered = connect('/ws', { cookie: `${name}=${value.slice(0, -2)}xx` });
    expect(await tampered.opened).toMatchObject({ open: false, status: 401 });
    expect(events.events).toContainEqual(
      expect.objectContaining({ type: 'authentication_failed', reason: 'SESSION_INVALID' }),
    );
  });

  it('a cookie-authenticated upgrade from another site gets 403: no cross-site hijacking', async () => {
    const session = await alice.session();
    const client = connect('/ws', { cookie: session.cookie, origin: 'https://evil.example' });
    expect(await client.opened).toMatchObject({ open: false, status: 403 });
    expect(events.events).toContainEqual(
      expect.objectContaining({
        type: 'permission_denied',
        reason: 'CSRF_ORIGIN_REJECTED',
        transport: 'ws',
      }),
    );
    // The app's own origin is fine.
    const own = connect('/ws', { cookie: session.cookie, origin: app.url });
    expect(await own.opened).toEqual({ open: true });
  });

  it('a message without its permission gets the error event, and the socket stays open', async () => {
    const client = connect('/ws', await bob.bearer());
    await client.opened;
    client.send('reports.create', { title: 'nope' });
    expect(await client.next()).toEqual({
      event: 'error',
      data: { status: 403, message: 'Forbidden' },
    });
    expect(events.events).toContainEqual(
      expect.objectContaining({
        type: 'permission_denied',
        transport: 'ws',
        operation: 'reports.create',
        identity: 'bob',
      }),
    );
    client.send('reports.list');
    expect(await client.next()).toMatchObject({ event: 'reports.list' });
  });

  it('every message checks the credential again: a disabled user is refused and disconnected', async () => {
    const client = connect('/ws', await carol.bearer());
    await client.opened;
    client.send('reports.create', { title: 'first' });
    expect(await client.next()).toMatchObject({
      event: 'reports.create',
      data: { title: 'first', author: 'carol' },
    });
    const directory = app.app.get(Directory);
    directory.disabled.add('carol');
    try {
      client.send('reports.list');
      expect(await client.next()).toEqual({
        event: 'error',
        data: { status: 401, message: 'Unauthorized' },
      });
      expect(await client.closed).toBe(gone);
    } finally {
      directory.disabled.delete('carol');
    }
  });

  it('a revoked credential ends the connection at once, with the error event first', async () => {
    const client = connect('/ws', await bob.bearer());
    await client.opened;
    await revokeAll(app, 'bob');
    // Tokens issued from now on work again (the revocation covers those issued until now).
    transportClock.advance(1000);
    expect(await client.next()).toEqual({
      event: 'error',
      data: { status: 401, message: 'Unauthorized' },
    });
    expect(await client.closed).toBe(gone);
  });

  it('a store outage answers 503 in the error event and keeps the socket', async () => {
    const client = connect('/ws', await alice.bearer());
    await client.opened;
    const store = app.app.get(RevocationStore) as SwitchableRevocationStore;
    store.down = true;
    try {
      client.send('whoami');
      expect(await client.next()).toEqual({
        event: 'error',
        data: { status: 503, message: 'Service Unavailable' },
      });
    } finally {
      store.down = false;
    }
    client.send('whoami');
    expect(await client.next()).toMatchObject({ event: 'whoami', data: { id: 'alice' } });
  });

  it('a @Public() gateway opens for anyone, attaches a valid credential, and guards its @Auth() messages', async () => {
    const anonymous = connect('/lobby');
    expect(await anonymous.opened).toEqual({ open: true });
    anonymous.send('hello');
    expect(await anonymous.next()).toEqual({ event: 'hello', data: 'anonymous' });
    anonymous.send('secret');
    expect(await anonymous.next()).toEqual({
      event: 'error',
      data: { status: 401, message: 'Unauthorized' },
    });
    // Nothing was lost: it never had a credential, and stays.
    anonymous.send('hello');
    expect(await anonymous.next()).toEqual({ event: 'hello', data: 'anonymous' });

    const known = connect('/lobby', await bob.bearer());
    await known.opened;
    known.send('secret');
    expect(await known.next()).toEqual({ event: 'secret', data: 'for bob' });
  });
});

describe('a gateway without the library adapter', () => {
  it('fails the start with the fix, instead of opening sockets nobody checks', async () => {
    const start = startApp(
      'express',
      gatewayApp(),
      (b) => b,
      (a) => configureSessions(a),
    );
    await expect(start).rejects.toThrow(AuthConfigurationError);
    await expect(start).rejects.toThrow(
      /app\.useWebSocketAdapter\(new GatehouseWsAdapter\(app\)\)/,
    );
  });
});

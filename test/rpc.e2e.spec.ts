import { createServer } from 'node:net';
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthEvents, configureSessions, RevocationStore, withCredentials } from 'nestjs-gatehouse';
import { AuditTrail, rpcApp } from './apps/rpc.app.js';
import type { SwitchableRevocationStore, TransportEvents } from './apps/transports.app.js';
import { adapters, startApp, type RunningApp } from './support/http-app.js';
import { credentialsOf, type Credentials } from './support/transport-clients.js';

/** A free loopback port for the TCP microservice. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const matrix = adapters.flatMap((adapter) => [[adapter, false] as const, [adapter, true] as const]);

describe.each(matrix)(
  'microservice handlers behind the guard (%s, inheritAppConfig %s)',
  (adapter, inherit) => {
    let app: RunningApp;
    let client: ClientProxy;
    let alice: Credentials;
    let bob: Credentials;
    let events: TransportEvents;

    beforeAll(async () => {
      const port = await freePort();
      app = await startApp(
        adapter,
        rpcApp(),
        (b) => b,
        async (a) => {
          await configureSessions(a);
          a.connectMicroservice(
            { transport: Transport.TCP, options: { host: '127.0.0.1', port } },
            { inheritAppConfig: inherit },
          );
          await a.startAllMicroservices();
        },
      );
      client = ClientProxyFactory.create({
        transport: Transport.TCP,
        options: { host: '127.0.0.1', port },
      });
      await client.connect();
      alice = credentialsOf(app, 'alice');
      bob = credentialsOf(app, 'bob');
      events = app.app.get(AuthEvents) as TransportEvents;
    });
    afterAll(async () => {
      await client.close();
      await app.close();
    });
    beforeEach(() => {
      events.events.length = 0;
    });

    const send = (pattern: unknown, data: object) =>
      firstValueFrom(client.send<unknown>(pattern, data));

    it('is protected by default: an anonymous message is refused with an RpcException of {status, message}', async () => {
      await expect(send('whoami', {})).rejects.toEqual({ status: 401, message: 'Unauthorized' });
      expect(events.events).toContainEqual(
        expect.objectContaining({
          type: 'authentication_failed',
          transport: 'rpc',
          operation: 'whoami',
          reason: 'CREDENTIAL_MISSING',
        }),
      );
    });

    it('reads the credential envelope, and takes it off before the handler sees the data', async () => {
      const reply = await send('whoami', withCredentials({ note: 'hi' }, await bob.bearer()));
      expect(reply).toEqual({ id: 'bob', auth: 'jwt', fields: ['note'] });
      // One decision per message, even when the global guard runs too.
      expect(events.events.filter((e) => e.type === 'authenticated')).toHaveLength(1);
      const key = await alice.apiKey();
      expect(await send('whoami', withCredentials({}, key.headers))).toEqual({
        id: 'alice',
        auth: 'apikey',
        fields: [],
      });
    });

    it('an invalid credential is a 401 too, and the reason stays in the events', async () => {
      const refusal = send('whoami', withCredentials({}, { authorization: 'Bearer forged' }));
      await expect(refusal).rejects.toEqual({ status: 401, message: 'Unauthorized' });
      expect(events.events).toContainEqual(
        expect.objectContaining({ type: 'authentication_failed', reason: 'JWT_MALFORMED' }),
      );
    });

    it('@Public() answers anyone and attaches a valid credential', async () => {
      expect(await send('ping', {})).toBe('anonymous');
      expect(await send('ping', withCredentials({}, await alice.bearer()))).toBe('alice');
    });

    it('a missing permission is a 403; an object pattern is named in the event', async () => {
      const refusal = send({ cmd: 'reports.purge' }, withCredentials({}, await bob.bearer()));
      await expect(refusal).rejects.toEqual({ status: 403, message: 'Forbidden' });
      expect(events.events).toContainEqual(
        expect.objectContaining({
          type: 'permission_denied',
          operation: '{"cmd":"reports.purge"}',
        }),
      );
      expect(await send({ cmd: 'reports.purge' }, withCredentials({}, await alice.bearer()))).toBe(
        'purged',
      );
    });

    it('a store outage is a 503, never anonymous', async () => {
      const store = app.app.get(RevocationStore) as SwitchableRevocationStore;
      const credentials = await alice.bearer();
      store.down = true;
      try {
        await expect(send('ping', withCredentials({}, credentials))).rejects.toEqual({
          status: 503,
          message: 'Service Unavailable',
        });
      } finally {
        store.down = false;
      }
    });

    it('event patterns are guarded too: an anonymous event is dropped', async () => {
      const trail = app.app.get(AuditTrail);
      trail.entries.length = 0;
      client.emit('audit', { action: 'anonymous' });
      client.emit('audit', withCredentials({ action: 'signed' }, await bob.bearer()));
      await expect.poll(() => trail.entries).toEqual([{ action: 'signed', by: 'bob' }]);
      expect(events.events).toContainEqual(
        expect.objectContaining({
          type: 'authentication_failed',
          transport: 'rpc',
          operation: 'audit',
        }),
      );
    });
  },
);

import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { RoutePolicy } from '../routes/route-policy.js';
import { WS_ERROR_EVENT } from '../transports/ws.transport.js';
import { ConnectionGate } from './connection-gate.js';

interface IoSocket {
  readonly request: IncomingMessage;
  readonly handshake: { readonly auth?: unknown };
  emit(event: string, data: unknown): boolean;
  disconnect(close?: boolean): unknown;
  once(event: 'disconnect', listener: () => void): unknown;
}

interface IoNamespace {
  use(middleware: (socket: IoSocket, next: (error?: Error) => void) => void): unknown;
}

/**
 * `@nestjs/platform-socket.io`'s `IoAdapter`, with every connection authenticated before it
 * joins a gateway's namespace: a gateway whose class is not `@Public()` refuses a connection
 * without a valid credential with socket.io's `connect_error`, whose `data` is
 * `{ status: 401, message: 'Unauthorized' }` (403 for a cookie sent from another site). The
 * credential is an HTTP header of the handshake (`Authorization`, `X-API-Key`, the session
 * cookie) or an entry of socket.io's `auth` payload (`{ authorization: 'Bearer …' }`). Every
 * message is checked again; a refusal emits `error` with `{ status, message }`, and a connection
 * whose credential is gone is disconnected.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * app.useWebSocketAdapter(new GatehouseIoAdapter(app));
 * await app.listen(3000);
 */
export class GatehouseIoAdapter extends IoAdapter {
  private readonly gate: ConnectionGate;

  constructor(app: INestApplicationContext) {
    super(app);
    this.gate = app.get(ConnectionGate, { strict: false });
    this.gate.adapterInstalled();
  }

  override create(
    port: number,
    options?: Parameters<IoAdapter['create']>[1],
  ): ReturnType<IoAdapter['create']> {
    const server = super.create(port, options);
    const namespace = String(options?.namespace ?? '/');
    const path = options?.path ?? DEFAULT_PATH;
    let policy: RoutePolicy | undefined;
    const policyOf = () =>
      (policy ??= this.gate.gatewayPolicy(
        port,
        (gateway) =>
          (gateway.path ?? DEFAULT_PATH) === path && String(gateway.namespace ?? '/') === namespace,
      ));
    (server as unknown as IoNamespace).use((socket, next) => {
      const own = policyOf();
      if (own === undefined) return next();
      this.gate.admit(socket.request, own, 'ws', socket.handshake.auth).then(
        (admission) => {
          if (!admission.admitted) return next(refusal(admission.status, admission.message));
          const { closed } = this.gate.open(socket, admission, own, {
            close: () => socket.disconnect(true),
            notify: (status, message) => socket.emit(WS_ERROR_EVENT, { status, message }),
          });
          socket.once('disconnect', closed);
          next();
        },
        () => next(refusal(503, 'Service Unavailable')),
      );
    });
    return server;
  }
}

/** Where socket.io listens unless a gateway says otherwise. */
const DEFAULT_PATH = '/socket.io';

function refusal(status: number, message: string): Error {
  return Object.assign(new Error(message), { data: { status, message } });
}

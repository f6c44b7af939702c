import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { RoutePolicy } from '../routes/route-policy.js';
import { WS_ERROR_EVENT } from '../transports/ws.transport.js';
import { ConnectionGate, type Admission } from './connection-gate.js';

type Verify = (result: boolean, code?: number, message?: string, headers?: object) => void;
type VerifyClient = (info: { req: http.IncomingMessage }, done: Verify) => void;

interface NativeSocket {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  once(event: 'close', listener: () => void): unknown;
}

interface WsServer {
  path?: string;
  on(
    event: 'connection',
    listener: (socket: NativeSocket, request: http.IncomingMessage) => void,
  ): unknown;
  handleUpgrade(
    request: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    done: (socket: NativeSocket) => void,
  ): void;
  emit(event: string, ...args: unknown[]): boolean;
}

const ADMITTED = Symbol('gatehouse:admitted');
type Upgrade = http.IncomingMessage & {
  [ADMITTED]?: { admission: Extract<Admission, { admitted: true }>; policy: RoutePolicy };
};

/**
 * `@nestjs/platform-ws`'s `WsAdapter`, with the upgrade authenticated: a gateway whose class is
 * not `@Public()` answers an upgrade without a valid credential with HTTP 401 (and its
 * `WWW-Authenticate` challenge) and opens no socket; a cookie-authenticated upgrade from another
 * site gets 403. Credentials are those of HTTP: `Authorization: Bearer`, `X-API-Key`, the
 * session cookie. Every message is checked again; a refusal answers
 * `{"event":"error","data":{"status":403,"message":"Forbidden"}}` and keeps the socket open,
 * unless the credential is gone: then the socket is closed with 4401.
 *
 * Upgrades for paths it does not serve are left to the server's other listeners (a graphql-ws
 * endpoint, say), where `WsAdapter` would destroy them.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * app.useWebSocketAdapter(new GatehouseWsAdapter(app));
 * await app.listen(3000);
 */
export class GatehouseWsAdapter extends WsAdapter {
  private readonly gate: ConnectionGate;

  constructor(app: INestApplicationContext, options?: ConstructorParameters<typeof WsAdapter>[1]) {
    super(app, options);
    this.gate = app.get(ConnectionGate, { strict: false });
    this.gate.adapterInstalled();
  }

  override create(
    port: number,
    options: Record<string, unknown> & { namespace?: string; server?: unknown; path?: string } = {},
  ): unknown {
    const path = normalise(options.path);
    let policy: RoutePolicy | undefined;
    const policyOf = () =>
      (policy ??= this.gate.gatewayPolicy(port, (gateway) => normalise(gateway.path) === path));
    const theirs = options.verifyClient as VerifyClient | undefined;
    const verifyClient: VerifyClient = (info, done) => {
      const own = policyOf();
      if (own === undefined) return done(false, 404, 'Not Found');
      this.gate.admit(info.req, own, 'ws').then(
        (admission) => {
          if (!admission.admitted) {
            const headers =
              admission.status === 401 ? { 'WWW-Authenticate': admission.challenge } : undefined;
            return done(false, admission.status, admission.message, headers);
          }
          (info.req as Upgrade)[ADMITTED] = { admission, policy: own };
          if (theirs) theirs(info, done);
          else done(true);
        },
        () => done(false, 503, 'Service Unavailable'),
      );
    };
    const server = super.create(port, { ...options, verifyClient }) as WsServer;
    // Registered before Nest's own listener, so the socket is known when its handlers bind.
    server.on('connection', (socket, request) => this.track(socket, request as Upgrade));
    return server;
  }

  protected override ensureHttpServerExists(
    port: number,
    httpServer: http.Server = http.createServer(),
  ): http.Server | undefined {
    if (this.httpServersRegistry.has(port)) return undefined;
    this.httpServersRegistry.set(port, httpServer);
    httpServer.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      let pathname: string;
      try {
        pathname = new URL(request.url ?? '/', 'ws://localhost').pathname;
      } catch {
        socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        return;
      }
      const servers = (this.wsServersRegistry.get(port) ?? []) as WsServer[];
      const server = servers.find((candidate) => candidate.path === pathname);
      if (server) {
        server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
      } else if (httpServer.listenerCount('upgrade') === 1) {
        // Nobody else could answer it.
        socket.destroy();
      }
    });
    return httpServer;
  }

  private track(socket: NativeSocket, request: Upgrade): void {
    const admitted = request[ADMITTED];
    if (admitted === undefined) {
      // Opened by a server this adapter did not create: nothing vouches for it.
      socket.close(4401, 'Unauthorized');
      return;
    }
    const { closed } = this.gate.open(socket, admitted.admission, admitted.policy, {
      close: (code, reason) => socket.close(code, reason),
      notify: (status, message) => {
        if (socket.readyState === 1) {
          socket.send(JSON.stringify({ event: WS_ERROR_EVENT, data: { status, message } }));
        }
      },
    });
    socket.once('close', closed);
  }
}

function normalise(path: string | undefined): string {
  if (!path) return '/';
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  return withSlash.length > 1 && withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
}

import {
  Catch,
  Injectable,
  type ArgumentsHost,
  type ExceptionFilter,
  type ExecutionContext,
  type Provider,
} from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { AuthUnavailableError, type AuthError } from '../core/auth-error.js';
import type { AuthRequest } from '../core/auth-request.js';
import { AuthTransport } from './auth-transport.js';
import { putClassFilter } from './class-filters.js';
import { callView, CLOSE_UNAUTHORIZED, connectionOf } from './connection.js';

/** The event a refused WebSocket message is answered with. */
export const WS_ERROR_EVENT = 'error';

/**
 * A refused WebSocket message, in the gateway's terms: the client gets the event
 * `error` with `{ status, message }` (a plain `{"event":"error","data":…}` frame on the ws
 * adapter, an emitted event on socket.io), and on a 401 of a connection that had a credential
 * the socket is closed with 4401. Rendered by {@link WsRefusalFilter}.
 */
export class WsRefusal extends Error {
  override readonly name = 'WsRefusal';

  constructor(
    /** 401, 403 or 503. */
    readonly status: number,
    message: string,
    /** Whether the connection ends with 4401 after the error event. */
    readonly closes: boolean,
  ) {
    super(message);
  }
}

/**
 * The `ws` context type: gateway message handlers. Every message is checked again against the
 * connection's credential (the upgrade's), so a revoked or expired credential, or a disabled
 * user, takes effect at the next message. Internal.
 */
@Injectable()
export class WsTransport extends AuthTransport {
  readonly type = 'ws';

  request(context: ExecutionContext): AuthRequest {
    const connection = connectionOf(context.getArgByIndex(0));
    if (connection === undefined) {
      throw new AuthUnavailableError('CONTEXT_UNSUPPORTED', {
        detail:
          'ws: a socket the library did not see open: use GatehouseWsAdapter or GatehouseIoAdapter',
      });
    }
    // Nest appends the handler's pattern to the arguments: it is the last one on either adapter.
    const args = context.getArgs();
    const event = args[args.length - 1] as unknown;
    // One view per message, so concurrent messages of one socket never share a user. The guard
    // keeps it where @CurrentUser() finds it.
    return callView(connection.view, typeof event === 'string' ? event : String(event));
  }

  override refuse(context: ExecutionContext, error: AuthError): unknown {
    const status = error.getStatus();
    const connection = connectionOf(context.getArgByIndex(0));
    return new WsRefusal(
      status,
      error.message,
      status === 401 && connection?.authenticated === true,
    );
  }
}

/**
 * Renders {@link WsRefusal}: the error event, then the close when the credential is gone. It
 * catches nothing else. Nest applies no global filter to gateways, so {@link gatewayRefusals}
 * puts it on each gateway class.
 */
@Catch(WsRefusal)
export class WsRefusalFilter implements ExceptionFilter<WsRefusal> {
  catch(refusal: WsRefusal, host: ArgumentsHost): void {
    const client = host.getArgByIndex<unknown>(0);
    const connection = connectionOf(client);
    if (connection?.notify) connection.notify(refusal.status, refusal.message);
    else sendError(client, refusal.status, refusal.message);
    if (refusal.closes) connection?.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
  }
}

/** The error event on a socket the library does not track: a native WebSocket, or socket.io. */
function sendError(client: unknown, status: number, message: string): void {
  const socket = client as {
    readyState?: unknown;
    send?: (data: string) => void;
    emit?: (event: string, data: unknown) => void;
  };
  if (typeof socket.readyState === 'number' && typeof socket.send === 'function') {
    if (socket.readyState === 1)
      socket.send(JSON.stringify({ event: WS_ERROR_EVENT, data: { status, message } }));
  } else if (typeof socket.emit === 'function') {
    socket.emit(WS_ERROR_EVENT, { status, message });
  }
}

/** DI token of the step that puts {@link WsRefusalFilter} on every gateway; its value is how many. */
export const GATEWAY_REFUSALS = Symbol('gatehouse:gateway-refusals');

/**
 * Puts {@link WsRefusalFilter} on every `@WebSocketGateway` class when the module is
 * instantiated, before the gateways' handlers are bound. It goes first in the class's filter
 * list, which Nest tries last: the application's own filters keep their say.
 */
export const gatewayRefusals: Provider = {
  provide: GATEWAY_REFUSALS,
  inject: [ModulesContainer],
  useFactory: (modules: ModulesContainer) =>
    putClassFilter(
      modules,
      (type) => Reflect.getMetadata(GATEWAY, type) === true,
      new WsRefusalFilter(),
    ),
};

/** `@nestjs/websockets`' metadata key of a gateway class. */
const GATEWAY = 'websockets:is_gateway';

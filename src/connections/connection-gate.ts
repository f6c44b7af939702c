import type { IncomingMessage } from 'node:http';
import { Injectable, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { AuthConfigurationError, AuthError } from '../core/auth-error.js';
import { AuthEventPublisher } from '../core/auth-event-publisher.js';
import type { AuthRequest, AuthTransportType } from '../core/auth-request.js';
import { crossSiteFailure } from '../http/csrf.js';
import { pathOf } from '../http/headers.js';
import { AuthGuard } from '../routes/auth.guard.js';
import { RoutePolicies, type RoutePolicy } from '../routes/route-policy.js';
import { AuthRouteScanner } from '../routes/route-scanner.js';
import {
  carriedHeaders,
  registerConnection,
  upgradeView,
  type Connection,
} from '../transports/connection.js';
import { TransportSettings } from '../transports/transport-settings.js';
import { ConnectionMonitor } from './connection-monitor.js';

const GATEWAY_OPTIONS = 'websockets:gateway_options';
const GATEWAY_PORT = 'port';

/** The options a `@WebSocketGateway` was declared with, as far as the gate reads them. */
export interface GatewayOptions {
  readonly path?: string;
  readonly namespace?: unknown;
}

/** Whether a connection may open, and as whom. */
export type Admission =
  | {
      readonly admitted: true;
      readonly view: AuthRequest;
      /** Whether a credential authenticated it (a public gateway also admits anonymous ones). */
      readonly authenticated: boolean;
      readonly identity: string | undefined;
    }
  | {
      readonly admitted: false;
      /** 401, 403 or 503. */
      readonly status: number;
      /** The generic phrase of the status. */
      readonly message: string;
      /** The `WWW-Authenticate` value of a 401. */
      readonly challenge: string;
    };

/**
 * Where connections are admitted: the WebSocket adapters (`GatehouseWsAdapter`,
 * `GatehouseIoAdapter`) and `GraphQLAuth`'s graphql-ws hooks ask it whether an upgrade or a
 * `connection_init` may open, then hand it the connection to watch. Internal.
 *
 * An upgrade is held to the gateway class's policy (a graphql-ws connection to that of any
 * configured backend, anonymous only when some subscription is `@Public()`). A cookie sent with
 * an upgrade from another site is ignored: if nothing else authenticates the connection, it is
 * refused with 403 (cross-site WebSocket hijacking), not 401.
 */
@Injectable()
export class ConnectionGate implements OnApplicationBootstrap {
  private adapters = 0;

  constructor(
    private readonly guard: AuthGuard,
    private readonly policies: RoutePolicies,
    private readonly scanner: AuthRouteScanner,
    private readonly settings: TransportSettings,
    private readonly monitor: ConnectionMonitor,
    private readonly events: AuthEventPublisher,
  ) {}

  /** Called by the library's WebSocket adapters when they are constructed. */
  adapterInstalled(): void {
    this.adapters++;
  }

  onApplicationBootstrap(): void {
    const gateways = this.scanner.handlers.gateways;
    if (gateways.length > 0 && this.adapters === 0) {
      throw new AuthConfigurationError(
        `@WebSocketGateway on ${gateways.map((g) => g.name).join(', ')}`,
        'gateways are served by a WebSocket adapter that does not authenticate the upgrade, so every socket would open and its messages could not be checked',
        'call app.useWebSocketAdapter(new GatehouseWsAdapter(app)) (from nestjs-gatehouse/ws) or new GatehouseIoAdapter(app) (from nestjs-gatehouse/socket.io) in main.ts, before app.listen()',
      );
    }
  }

  /**
   * The policy of the gateways a server serves (`port`, and whatever `matches` their options):
   * the first that is not `@Public()`, else the first. `undefined` when none matches.
   */
  gatewayPolicy(
    port: number,
    matches: (options: GatewayOptions) => boolean,
  ): RoutePolicy | undefined {
    const served = this.scanner.handlers.gateways.filter((gateway) => {
      const options = (Reflect.getMetadata(GATEWAY_OPTIONS, gateway) ?? {}) as GatewayOptions;
      return (
        ((Reflect.getMetadata(GATEWAY_PORT, gateway) as number | undefined) ?? 0) === port &&
        matches(options)
      );
    });
    const policies = served.map((gateway: Type<unknown>) => this.policies.forClass(gateway));
    return policies.find((policy) => !policy.public) ?? policies[0];
  }

  /** The policy of a graphql-ws connection. */
  subscriptionPolicy(): RoutePolicy {
    return this.policies.connection(this.scanner.handlers.publicSubscriptions);
  }

  /**
   * Whether the connection `request` opens may open under `policy`. `payload` is what the
   * client sent to authenticate it (a graphql-ws `connection_init` payload, socket.io's
   * `auth`): its credential headers count as the upgrade's own.
   */
  async admit(
    request: Pick<IncomingMessage, 'headers' | 'url' | 'socket'>,
    policy: RoutePolicy,
    transport: AuthTransportType,
    payload?: unknown,
  ): Promise<Admission> {
    const crossSite =
      request.headers.cookie === undefined
        ? null
        : crossSiteFailure(
            { headers: request.headers } as AuthRequest,
            this.settings.trustedOrigins,
          );
    const view = upgradeView(request, transport, carriedHeaders(payload), crossSite === null);
    try {
      await this.guard.authorize(view, policy);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      let status = error.getStatus();
      if (status === 401 && crossSite !== null) {
        this.events.publish({
          type: 'permission_denied',
          backend: null,
          reason: crossSite.reason,
          detail: crossSite.detail,
          method: view.method,
          path: pathOf(view.url),
          transport,
          ip: view.ip,
        });
        status = 403;
      }
      return {
        admitted: false,
        status,
        message: status === 403 ? 'Forbidden' : error.message,
        challenge: policy.challenge,
      };
    }
    const user = view.user;
    return {
      admitted: true,
      view,
      authenticated: user?.isAuthenticated === true,
      identity: user?.isAuthenticated === true ? user.identity : undefined,
    };
  }

  /**
   * Records an admitted connection under `key` (its socket, or its graphql-ws context) and
   * watches it until `closed` is called.
   */
  open(
    key: object,
    admission: Extract<Admission, { admitted: true }>,
    policy: RoutePolicy,
    io: Pick<Connection, 'close' | 'notify'>,
  ): { connection: Connection; closed: () => void } {
    const connection: Connection = {
      transport: admission.view.transport ?? 'ws',
      view: admission.view,
      authenticated: admission.authenticated,
      identity: admission.identity,
      close: io.close,
      notify: io.notify,
    };
    registerConnection(key, connection);
    this.monitor.watch(connection, policy);
    return { connection, closed: () => this.monitor.forget(connection) };
  }
}

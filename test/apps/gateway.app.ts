import { Injectable, type INestApplication, type Type } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  Auth,
  CurrentAuth,
  CurrentUser,
  HasPermission,
  Public,
  type AuthInfo,
  type BaseUser,
} from 'nestjs-gatehouse';
import { GatehouseIoAdapter } from 'nestjs-gatehouse/socket.io';
import { GatehouseWsAdapter } from 'nestjs-gatehouse/ws';
import { transportApp } from './transports.app.js';

/** The reports a gateway lists and creates. */
@Injectable()
export class GatewayReports {
  readonly reports: { id: number; title: string; author: string }[] = [];
}

/** Protected as a whole: its upgrade needs a credential, each message its permission. */
@WebSocketGateway({ path: '/ws' })
export class ReportsGateway {
  constructor(private readonly store: GatewayReports) {}

  @SubscribeMessage('whoami')
  whoami(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo) {
    return {
      event: 'whoami',
      data: { id: user.identity, auth: auth.backend, permissions: [...auth.permissions].sort() },
    };
  }

  @HasPermission('reports:read')
  @SubscribeMessage('reports.list')
  list() {
    return { event: 'reports.list', data: this.store.reports };
  }

  @HasPermission('reports:write')
  @SubscribeMessage('reports.create')
  create(@MessageBody() body: { title: string }, @CurrentUser() user: BaseUser) {
    const report = { id: this.store.reports.length + 1, title: body.title, author: user.identity };
    this.store.reports.push(report);
    return { event: 'reports.create', data: report };
  }
}

/** Open to anyone; one message needs a credential. */
@Public()
@WebSocketGateway({ path: '/lobby' })
export class LobbyGateway {
  @SubscribeMessage('hello')
  hello(@CurrentUser() user: BaseUser) {
    return { event: 'hello', data: user.isAuthenticated ? user.identity : 'anonymous' };
  }

  @Auth()
  @SubscribeMessage('secret')
  secret(@CurrentUser() user: BaseUser) {
    return { event: 'secret', data: `for ${user.identity}` };
  }
}

/** The WebSocket adapters the gateway specs run on. */
export const wsAdapters = ['ws', 'socket.io'] as const;
export type WsAdapterName = (typeof wsAdapters)[number];

/** Installs the library's adapter of `kind` on `app`. */
export function useGatehouseAdapter(app: INestApplication, kind: WsAdapterName): void {
  app.useWebSocketAdapter(
    kind === 'ws' ? new GatehouseWsAdapter(app) : new GatehouseIoAdapter(app),
  );
}

/**
 * The gateway app. Open connections are re-checked only once an hour here, so the specs see
 * exactly what each message's own check does; revocation events still end them at once.
 */
export function gatewayApp(): Type<unknown> {
  return transportApp({
    providers: [GatewayReports, ReportsGateway, LobbyGateway],
    options: { connections: { recheckIntervalSeconds: 3600 } },
  });
}

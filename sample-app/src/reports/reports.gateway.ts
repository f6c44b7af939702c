import { MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { CurrentAuth, CurrentUser, HasPermission, type AuthInfo } from 'nestjs-gatehouse';
import type { AppUser } from '../users/app-user.js';
import { ReportsRepository, type Report } from './reports.repository.js';

/** A frame the gateway sends: `{ event, data }`. */
interface Frame<T> {
  event: string;
  data: T;
}

/**
 * The WebSocket endpoint `/ws` (plain WebSocket, JSON frames `{"event": …, "data": …}`). The
 * upgrade needs a credential, as any route; every message is checked again, so a revoked or
 * expired credential gets `{"event":"error","data":{"status":401,…}}` and the close code 4401.
 */
@WebSocketGateway({ path: '/ws' })
export class ReportsGateway {
  constructor(private readonly reports: ReportsRepository) {}

  @SubscribeMessage('whoami')
  whoami(@CurrentUser() user: AppUser, @CurrentAuth() auth: AuthInfo) {
    return {
      event: 'whoami',
      data: {
        id: user.identity,
        username: user.record.username,
        auth: auth.backend,
        permissions: [...auth.permissions].sort(),
      },
    };
  }

  @HasPermission('reports:read')
  @SubscribeMessage('reports.list')
  list(): Frame<Report[]> {
    return { event: 'reports.list', data: this.reports.list() };
  }

  @HasPermission('reports:write')
  @SubscribeMessage('reports.create')
  create(
    @MessageBody() body: unknown,
    @CurrentUser() user: AppUser,
  ): Frame<Report | { status: number; message: string }> {
    const { title, body: text } = (body ?? {}) as { title?: unknown; body?: unknown };
    if (!validText(title, 200) || !validText(text, 10_000)) {
      return { event: 'error', data: { status: 400, message: 'Bad Request' } };
    }
    return {
      event: 'reports.create',
      data: this.reports.create({ title, body: text, authorId: user.identity }),
    };
  }
}

function validText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max;
}

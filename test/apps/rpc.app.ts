import { Controller, Injectable, type Type } from '@nestjs/common';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  CurrentAuth,
  CurrentUser,
  HasPermission,
  Public,
  type AuthInfo,
  type BaseUser,
} from 'nestjs-gatehouse';
import { transportApp } from './transports.app.js';

/** What the event handler received. */
@Injectable()
export class AuditTrail {
  readonly entries: { action: string; by: string }[] = [];
}

@Controller()
export class ReportMessages {
  constructor(private readonly trail: AuditTrail) {}

  @MessagePattern('whoami')
  whoami(
    @CurrentUser() user: BaseUser,
    @CurrentAuth() auth: AuthInfo,
    @Payload() data: Record<string, unknown>,
  ) {
    return { id: user.identity, auth: auth.backend, fields: Object.keys(data ?? {}) };
  }

  @Public()
  @MessagePattern('ping')
  ping(@CurrentUser() user: BaseUser) {
    return user.isAuthenticated ? user.identity : 'anonymous';
  }

  @HasPermission('reports:delete')
  @MessagePattern({ cmd: 'reports.purge' })
  purge() {
    return 'purged';
  }

  @EventPattern('audit')
  audit(@CurrentUser() user: BaseUser, @Payload() data: unknown): void {
    this.trail.entries.push({ action: (data as { action: string }).action, by: user.identity });
  }
}

/** A hybrid app: the HTTP routes of every transport app, and these message handlers. */
export function rpcApp(): Type<unknown> {
  return transportApp({ controllers: [ReportMessages], providers: [AuditTrail] });
}

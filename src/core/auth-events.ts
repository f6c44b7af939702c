import { Injectable, Logger } from '@nestjs/common';
import type { AuthEvent } from './auth-event.js';

/**
 * Where auth events go. Replace it to build an audit log: pass your class as `events` to
 * `AuthModule.forRoot`. `emit` is called on the request path, so keep it fast and non-throwing
 * (queue slow writes). The library hands events to it through `AuthEventPublisher`, which logs
 * a throwing `emit` and carries on.
 *
 * @example
 * @Injectable()
 * export class AuditLog extends AuthEvents {
 *   private readonly queue: AuthEvent[] = [];
 *   // emit runs on the request path: queue here, write to your database in batches elsewhere
 *   emit(event: AuthEvent) { this.queue.push(event); }
 * }
 */
export abstract class AuthEvents {
  abstract emit(event: AuthEvent): void;
}

/**
 * The default sink: Nest's `Logger`, context `Gatehouse`. Failures, denials and lifecycle events
 * go to `debug`, outages (503) to `error`. Successful authentications are not logged (one line
 * per request would drown the log); a custom sink receives them.
 */
@Injectable()
export class LoggerAuthEvents extends AuthEvents {
  private readonly logger = new Logger('Gatehouse');

  emit(event: AuthEvent): void {
    if (event.type === 'authenticated') {
      return;
    } else if (event.type === 'auth_unavailable') {
      this.logger.error(
        format(event),
        event.error instanceof Error ? event.error.stack : undefined,
      );
    } else {
      this.logger.debug(format(event));
    }
  }
}

function format(event: AuthEvent): string {
  const parts: string[] = [event.type];
  if (event.backend) parts.push(`backend=${event.backend}`);
  if (event.identity) parts.push(`identity=${event.identity}`);
  if (event.credentialId) parts.push(`credential=${event.credentialId}`);
  if (event.method) parts.push(`${event.method} ${event.path ?? ''}`);
  if (event.transport) parts.push(`${event.transport} ${event.operation ?? ''}`);
  if (event.ip) parts.push(`ip=${event.ip}`);
  if (event.reason) parts.push(`reason=${event.reason}`);
  // Quoted as JSON: a detail may hold quotes, and then still reads as one field.
  if (event.detail) parts.push(`detail=${JSON.stringify(event.detail)}`);
  return parts.join(' ');
}

import { Injectable, Logger } from '@nestjs/common';
import { AuthEvents, LoggerAuthEvents, type AuthEvent } from 'nestjs-gatehouse';
import { AuditRepository } from './audit.repository.js';

/**
 * The auth-event sink: every event goes to the log (the library's default sink) and, except
 * routine successful authentications (one per request), into the SQLite audit table.
 * better-sqlite3 writes synchronously in microseconds, so this stays cheap on the request path.
 */
@Injectable()
export class SqliteAuditEvents extends AuthEvents {
  private readonly logger = new Logger('Audit');
  private readonly log = new LoggerAuthEvents();

  constructor(private readonly audit: AuditRepository) {
    super();
  }

  emit(event: AuthEvent): void {
    this.log.emit(event);
    if (event.type === 'authenticated') return;
    try {
      this.audit.insert(event);
    } catch (error) {
      // A failed audit write must neither grant nor deny access; it is logged instead.
      this.logger.error(`could not record ${event.type}: ${(error as Error).message}`);
    }
  }
}

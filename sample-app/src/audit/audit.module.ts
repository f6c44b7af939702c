import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database/database.module.js';
import { AuditRepository } from './audit.repository.js';

/**
 * The audit log (the `audit_events` table). `SqliteAuditEvents`, the library's event sink, writes
 * it (AuthModule builds the sink and imports this module for it); the admin routes read it.
 */
@Module({
  imports: [DatabaseModule],
  providers: [AuditRepository],
  exports: [AuditRepository],
})
export class AuditModule {}

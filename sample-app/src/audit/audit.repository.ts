import { Injectable } from '@nestjs/common';
import type { AuthEvent } from 'nestjs-gatehouse';
import { SqliteDatabase } from '../database/sqlite.database.js';

/** One audit entry, as `GET /admin/audit` shows it. */
export interface AuditEntry {
  type: string;
  user_id: string | null;
  backend: string | null;
  ip: string | null;
  at: string;
  /** The library's reason code (`AuthReasonCode`), for failures. */
  reason: string | null;
  /** What exactly, when the event says more than its code. */
  detail: string | null;
  method: string | null;
  path: string | null;
}

interface AuditRow {
  type: string;
  user_id: string | null;
  backend: string | null;
  ip: string | null;
  reason: string | null;
  detail: string | null;
  method: string | null;
  path: string | null;
  at: number;
}

/** The `audit_events` table. */
@Injectable()
export class AuditRepository {
  constructor(private readonly database: SqliteDatabase) {}

  insert(event: AuthEvent): void {
    this.database.db
      .prepare(
        `INSERT INTO audit_events (type, user_id, backend, ip, reason, detail, credential_id, method, path, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        event.type,
        event.identity ?? null,
        event.backend ?? null,
        event.ip ?? null,
        event.reason ?? null,
        truncate(event.detail),
        truncate(event.credentialId),
        event.method ?? null,
        truncate(event.path),
        event.at,
      );
  }

  /** The newest `limit` events, newest first. */
  newest(limit: number, filter: { type?: string; userId?: string } = {}): AuditEntry[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.type !== undefined) {
      where.push('type = ?');
      values.push(filter.type);
    }
    if (filter.userId !== undefined) {
      where.push('user_id = ?');
      values.push(filter.userId);
    }
    const rows = this.database.db
      .prepare(
        `SELECT type, user_id, backend, ip, reason, detail, method, path, at FROM audit_events
         ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY id DESC LIMIT ?`,
      )
      .all(...values, limit) as AuditRow[];
    return rows.map((row) => ({
      type: row.type,
      user_id: row.user_id,
      backend: row.backend,
      ip: row.ip,
      at: new Date(row.at).toISOString(),
      reason: row.reason,
      detail: row.detail,
      method: row.method,
      path: row.path,
    }));
  }
}

/** Client-controlled text (paths) is capped, so a flood of long URLs cannot bloat the table. */
function truncate(value: string | undefined): string | null {
  if (value === undefined) return null;
  return value.length > 512 ? value.slice(0, 512) : value;
}

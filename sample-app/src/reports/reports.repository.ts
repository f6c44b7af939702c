import { Injectable } from '@nestjs/common';
import { Clock } from 'nestjs-gatehouse';
import { SqliteDatabase } from '../database/sqlite.database.js';
import { ReportFeed } from './report-feed.js';

/** A report, as the API shows it. */
export interface Report {
  id: number;
  title: string;
  body: string;
  author_id: string;
  created_at: string;
}

interface ReportRow {
  id: number;
  title: string;
  body: string;
  author_id: string;
  created_at: number;
}

/** The `reports` table. */
@Injectable()
export class ReportsRepository {
  constructor(
    private readonly database: SqliteDatabase,
    private readonly clock: Clock,
    private readonly feed: ReportFeed,
  ) {}

  list(): Report[] {
    return (
      this.database.db.prepare('SELECT * FROM reports ORDER BY id DESC').all() as ReportRow[]
    ).map(toReport);
  }

  /** Stores a report and tells the subscribers of `reportCreated`. */
  create(input: { title: string; body: string; authorId: string }): Report {
    const result = this.database.db
      .prepare('INSERT INTO reports (title, body, author_id, created_at) VALUES (?, ?, ?, ?)')
      .run(input.title, input.body, input.authorId, this.clock.now());
    const report = toReport(
      this.database.db
        .prepare('SELECT * FROM reports WHERE id = ?')
        .get(result.lastInsertRowid) as ReportRow,
    );
    this.feed.publish(report);
    return report;
  }

  /** Deletes a report; `false` when there was none. */
  delete(id: number): boolean {
    return this.database.db.prepare('DELETE FROM reports WHERE id = ?').run(id).changes > 0;
  }
}

function toReport(row: ReportRow): Report {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    author_id: row.author_id,
    created_at: new Date(row.created_at).toISOString(),
  };
}

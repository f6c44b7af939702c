import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { SqliteDatabase } from './sqlite.database.js';

/** The SQLite database, opened and migrated from `DATABASE_PATH`, closed at shutdown. */
@Module({
  providers: [
    {
      provide: SqliteDatabase,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        new SqliteDatabase({ databasePath: config.get('databasePath', { infer: true }) }),
    },
  ],
  exports: [SqliteDatabase],
})
export class DatabaseModule {}

import { Module } from '@nestjs/common';
import { ClockModule } from '../common/clock.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { ApiKeysController } from './api-keys.controller.js';
import { SqliteApiKeyStore } from './sqlite-api-key.store.js';

/**
 * The caller's API keys: the routes, and the `api_keys` table behind the library's
 * `ApiKeyStore` (AuthModule imports this module for it).
 */
@Module({
  imports: [DatabaseModule, ClockModule],
  controllers: [ApiKeysController],
  providers: [SqliteApiKeyStore],
  exports: [SqliteApiKeyStore],
})
export class ApiKeysModule {}

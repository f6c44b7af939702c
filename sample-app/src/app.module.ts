import { Module, ValidationPipe, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import {
  ApiKeyBackend,
  ApiKeyStore,
  AuthModule,
  JwtBackend,
  OidcBackend,
  SessionBackend,
} from 'nestjs-gatehouse';
import { AdminModule } from './admin/admin.module.js';
import { ApiKeysModule } from './api-keys/api-keys.module.js';
import { SqliteApiKeyStore } from './api-keys/sqlite-api-key.store.js';
import { AuditModule } from './audit/audit.module.js';
import { SqliteAuditEvents } from './audit/sqlite-audit.events.js';
import { authOptions } from './auth/auth-options.js';
import { LoginModule } from './auth/login.module.js';
import { clockProvider } from './common/clock.module.js';
import { HttpLayerErrorFilter } from './common/http-layer-error.filter.js';
import { EmailChangeModule } from './email-change/email-change.module.js';
import { LoginLockedFilter } from './common/login-locked.filter.js';
import { ShutdownLogger } from './common/shutdown.logger.js';
import type { AppConfig } from './config/app-config.js';
import { AppGraphQLModule } from './graphql/graphql.module.js';
import { HealthModule } from './health/health.module.js';
import { PasswordResetModule } from './password-reset/password-reset.module.js';
import { RedisModule, redisStores } from './redis/redis.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { SqliteUserModel } from './users/sqlite-user.model.js';
import { UsersModule } from './users/users.module.js';

/**
 * The sample app, built from an {@link AppConfig} (validated by `loadConfig` or built by a
 * test): the configuration, the library's AuthModule configured from it, and the feature modules.
 */
@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // The validated configuration is the only source: no .env file, no process.env lookups.
        ConfigModule.forRoot({
          load: [() => config],
          ignoreEnvFile: true,
          skipProcessEnv: true,
          isGlobal: true,
        }),
        AuthModule.forRootAsync({
          // The outside provider's backend exists only when OIDC_ISSUER is set.
          backends: [
            JwtBackend,
            SessionBackend,
            ApiKeyBackend,
            ...(config.oidc === undefined ? [] : [OidcBackend]),
          ],
          userModel: { useExisting: SqliteUserModel },
          events: SqliteAuditEvents,
          // The modules the user model, the audit sink, the key store and the Redis stores live in.
          imports: [UsersModule, AuditModule, ApiKeysModule, RedisModule],
          inject: [ConfigService],
          useFactory: authOptions,
          providers: [
            clockProvider,
            { provide: ApiKeyStore, useExisting: SqliteApiKeyStore },
            // Which stores exist is decided here; their settings come from ConfigService.
            ...(config.redisUrl === undefined ? [] : redisStores),
          ],
        }),
        HealthModule,
        UsersModule,
        EmailChangeModule,
        LoginModule,
        ApiKeysModule,
        ReportsModule,
        AppGraphQLModule,
        AdminModule,
        PasswordResetModule,
      ],
      providers: [
        ShutdownLogger,
        // Nest tries the global filters last one first: LoginLockedFilter must come after
        // HttpLayerErrorFilter, which catches every HttpException (LoginThrottledError too).
        { provide: APP_FILTER, useClass: HttpLayerErrorFilter },
        { provide: APP_FILTER, useClass: LoginLockedFilter },
        {
          provide: APP_PIPE,
          // whitelist drops unknown fields (a `roles` in a registration body is simply ignored);
          // values never appear in the messages.
          useValue: new ValidationPipe({
            whitelist: true,
            transform: true,
            forbidUnknownValues: true,
            validationError: { target: false, value: false },
          }),
        },
      ],
    };
  }
}

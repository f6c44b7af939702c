import { Module, ValidationPipe, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import {
  ApiKeyBackend,
  ApiKeyStore,
  AuthModule,
  Clock,
  JwtBackend,
  SessionBackend,
  SystemClock,
} from 'nestjs-gatehouse';
import { RedisRevocationStore, RedisSessionStore } from 'nestjs-gatehouse/redis';
import { AdminController } from './admin/admin.controller.js';
import { API_KEY_PREFIX, ApiKeysController } from './api-keys/api-keys.controller.js';
import { SqliteApiKeyStore } from './api-keys/sqlite-api-key.store.js';
import { SqliteAuditEvents } from './audit/sqlite-audit.events.js';
import { AuthController } from './auth/auth.controller.js';
import { CredentialRevoker } from './auth/credential-revoker.service.js';
import { jwtOptions } from './auth/jwt-options.js';
import { LoginsRepository } from './auth/logins.repository.js';
import { SessionAuthController } from './auth/session-auth.controller.js';
import { JwksController, TokenAuthController } from './auth/token-auth.controller.js';
import { ROLES } from './auth/roles.js';
import { BackgroundWork } from './common/background-work.js';
import { HttpLayerErrorFilter } from './common/http-layer-error.filter.js';
import { LoginLockedFilter } from './common/login-locked.filter.js';
import { ShutdownLogger } from './common/shutdown.logger.js';
import type { AppConfig } from './config/app-config.js';
import { SESSION_COOKIE } from './docs/swagger.js';
import { HealthController } from './health/health.controller.js';
import { InfrastructureModule } from './infrastructure.module.js';
import { CredentialsService } from './login/credentials.service.js';
import { PasswordResetController } from './password-reset/password-reset.controller.js';
import { PasswordResetService } from './password-reset/password-reset.service.js';
import { ReportsController } from './reports/reports.controller.js';
import { AccountsService } from './users/accounts.service.js';
import { SqliteUserModel } from './users/sqlite-user.model.js';

/** The sample app, built from an {@link AppConfig}. */
@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    const clock = config.clock ?? new SystemClock();
    const infrastructure = InfrastructureModule.register(config, clock);
    return {
      module: AppModule,
      imports: [
        infrastructure,
        AuthModule.forRoot({
          backends: [JwtBackend, SessionBackend, ApiKeyBackend],
          userModel: { useExisting: SqliteUserModel },
          events: SqliteAuditEvents,
          imports: [infrastructure],
          roles: ROLES,
          jwt: jwtOptions(config),
          session: {
            secret: config.sessionSecret,
            cookieName: SESSION_COOKIE,
            secure: config.sessionCookieSecure !== false,
            hostPrefix: config.sessionCookieSecure !== false,
          },
          // A distinctive prefix lets secret scanners recognise leaked keys.
          apiKey: { prefix: API_KEY_PREFIX },
          providers: [
            { provide: Clock, useValue: clock },
            { provide: ApiKeyStore, useClass: SqliteApiKeyStore },
            ...sharedStores(config),
          ],
        }),
      ],
      controllers: [
        HealthController,
        JwksController,
        AuthController,
        TokenAuthController,
        SessionAuthController,
        ApiKeysController,
        PasswordResetController,
        ReportsController,
        AdminController,
      ],
      providers: [
        AccountsService,
        BackgroundWork,
        CredentialsService,
        CredentialRevoker,
        LoginsRepository,
        PasswordResetService,
        ShutdownLogger,
        // Nest tries the global filters last one first: LoginLockedFilter must come after
        // HttpLayerErrorFilter, which catches every HttpException (LoginLockedException too).
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

/** With REDIS_URL, the library's stores live in Redis, shared by every instance. */
function sharedStores(config: AppConfig): Provider[] {
  if (config.redisUrl === undefined) return [];
  return [
    RedisRevocationStore.provider({ url: config.redisUrl }),
    RedisSessionStore.provider({ url: config.redisUrl }),
  ];
}

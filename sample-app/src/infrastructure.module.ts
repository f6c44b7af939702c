import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { Clock } from 'nestjs-gatehouse';
import { AuditRepository } from './audit/audit.repository.js';
import { APP_CONFIG, type AppConfig } from './config/app-config.js';
import { SqliteDatabase } from './database/sqlite.database.js';
import { LoginThrottle } from './login/login-throttle.js';
import { MemoryLoginThrottle } from './login/memory-login-throttle.js';
import { RedisLoginThrottle } from './login/redis-login-throttle.js';
import { Mailer } from './mail/mailer.js';
import { OutboxMailer } from './mail/outbox.mailer.js';
import { PasswordHasher } from './passwords/password-hasher.js';
import { PasswordPolicy } from './passwords/password-policy.js';
import { RedisConnection } from './redis/redis.connection.js';
import { ReportsRepository } from './reports/reports.repository.js';
import { SqliteUserModel } from './users/sqlite-user.model.js';
import { UsersRepository } from './users/users.repository.js';

/**
 * The app's own services that the library's module needs too (the user model and the audit
 * sink read SQLite), so they live in a module AuthModule can import.
 */
@Module({})
export class InfrastructureModule {
  static register(config: AppConfig, clock: Clock): DynamicModule {
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: config },
      { provide: Clock, useValue: clock },
      SqliteDatabase,
      RedisConnection,
      UsersRepository,
      ReportsRepository,
      AuditRepository,
      SqliteUserModel,
      PasswordHasher,
      PasswordPolicy,
      { provide: Mailer, useClass: OutboxMailer },
      {
        provide: LoginThrottle,
        useFactory: (redis: RedisConnection, c: Clock) =>
          redis.client
            ? new RedisLoginThrottle(redis.client, config.login)
            : new MemoryLoginThrottle(config.login, c),
        inject: [RedisConnection, Clock],
      },
    ];
    return {
      module: InfrastructureModule,
      global: true,
      providers,
      exports: providers.map((p) => (typeof p === 'function' ? p : p.provide)),
    };
  }
}

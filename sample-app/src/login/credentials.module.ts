import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from 'nestjs-gatehouse';
import { ClockModule } from '../common/clock.module.js';
import type { AppConfig } from '../config/app-config.js';
import { PasswordsModule } from '../passwords/passwords.module.js';
import { RedisConnection } from '../redis/redis.connection.js';
import { RedisModule } from '../redis/redis.module.js';
import { UsersModule } from '../users/users.module.js';
import { CredentialsService } from './credentials.service.js';
import { LoginThrottle } from './login-throttle.js';
import { MemoryLoginThrottle } from './memory-login-throttle.js';
import { RedisLoginThrottle } from './redis-login-throttle.js';

/**
 * The password check of both logins, with the per-account throttle: in Redis when `REDIS_URL`
 * is set (shared by every instance, on the app's one connection), else in memory.
 */
@Module({
  imports: [UsersModule, PasswordsModule, RedisModule, ClockModule],
  providers: [
    CredentialsService,
    {
      provide: LoginThrottle,
      inject: [ConfigService, RedisConnection, Clock],
      useFactory: (
        config: ConfigService<AppConfig, true>,
        redis: RedisConnection,
        clock: Clock,
      ) => {
        const limits = config.get('login', { infer: true });
        return redis.client
          ? new RedisLoginThrottle(redis.client, limits)
          : new MemoryLoginThrottle(limits, clock);
      },
    },
  ],
  exports: [CredentialsService],
})
export class CredentialsModule {}

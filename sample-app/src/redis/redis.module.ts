import { Module, type Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock, LoginThrottleStore, RevocationStore, SessionStore } from 'nestjs-gatehouse';
import {
  RedisLoginThrottleStore,
  RedisRevocationStore,
  RedisSessionStore,
} from 'nestjs-gatehouse/redis';
import type { AppConfig } from '../config/app-config.js';
import { RedisConnection } from './redis.connection.js';

/** The app's one Redis connection (`REDIS_URL`), or none. */
@Module({
  providers: [
    {
      provide: RedisConnection,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        new RedisConnection({ redisUrl: config.get('redisUrl', { infer: true }) }),
    },
  ],
  exports: [RedisConnection],
})
export class RedisModule {}

/**
 * The library's revocation, session and login-throttle stores on that connection, for AuthModule's `providers`
 * (with {@link RedisModule} in its `imports`) when `REDIS_URL` is set; without it the library's
 * in-memory stores stay.
 */
export const redisStores: Provider[] = [
  {
    provide: RevocationStore,
    inject: [RedisConnection, Clock],
    useFactory: (redis: RedisConnection, clock: Clock) =>
      new RedisRevocationStore(redis.shared, clock),
  },
  {
    provide: SessionStore,
    inject: [RedisConnection],
    useFactory: (redis: RedisConnection) => new RedisSessionStore(redis.shared),
  },
  {
    provide: LoginThrottleStore,
    inject: [RedisConnection, Clock],
    useFactory: (redis: RedisConnection, clock: Clock) =>
      new RedisLoginThrottleStore(redis.shared, clock, { keyPrefix: 'sample-app:login-failures:' }),
  },
];

/**
 * nestjs-gatehouse/redis: the stores backed by Redis, on one client library, ioredis (an
 * optional peer dependency). A separate entry point, so applications that do not use Redis never
 * load a Redis client. Each store takes a `url` (it opens and closes its own client) or an
 * existing `client` that you keep owning, so one connection can serve every store.
 */

// JWT revocation
export {
  RedisRevocationStore,
  type RedisRevocationProviderOptions,
  type RedisRevocationStoreOptions,
} from './jwt/revocation/redis-revocation.store.js';

// Cookie sessions
export {
  RedisSessionStore,
  type RedisSessionProviderOptions,
  type RedisSessionStoreOptions,
} from './sessions/redis-session.store.js';

// Login throttling
export {
  RedisLoginThrottleStore,
  type RedisLoginThrottleProviderOptions,
  type RedisLoginThrottleStoreOptions,
} from './login-throttle/redis-login-throttle.store.js';

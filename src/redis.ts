/**
 * nestjs-gatehouse/redis: the stores backed by Redis. A separate entry point, so applications
 * that do not use Redis never load a Redis client. The revocation store uses ioredis; the session
 * store goes through connect-redis 9, which drives node-redis (`redis`) 5. Both clients are
 * optional peer dependencies, loaded only by the store that needs them.
 */

// JWT revocation (ioredis)
export {
  RedisRevocationStore,
  type RedisRevocationProviderOptions,
  type RedisRevocationStoreOptions,
} from './jwt/revocation/redis-revocation.store.js';

// Cookie sessions (connect-redis 9 over node-redis 5, both loaded on first use)
export {
  RedisSessionStore,
  type NodeRedisClient,
  type RedisSessionProviderOptions,
  type RedisSessionStoreOptions,
} from './sessions/redis-session.store.js';

/**
 * nestjs-gatehouse/redis: the stores backed by Redis. A separate entry point, so applications
 * that do not use Redis never load a Redis client.
 */

// Cookie sessions (connect-redis 9 over node-redis 5, both loaded on first use)
export {
  RedisSessionStore,
  type NodeRedisClient,
  type RedisSessionProviderOptions,
  type RedisSessionStoreOptions,
} from './sessions/redis-session.store.js';

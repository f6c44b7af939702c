/**
 * nestjs-gatehouse/redis: the stores backed by Redis. A separate entry point, so applications
 * that do not use Redis never load ioredis (an optional peer dependency).
 */

// JWT revocation
export {
  RedisRevocationStore,
  type RedisRevocationProviderOptions,
  type RedisRevocationStoreOptions,
} from './revocation/redis-revocation.store.js';

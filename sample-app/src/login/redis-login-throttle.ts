import type { Cluster, Redis } from 'ioredis';
import { LoginThrottle, type LoginThrottleLimits } from './login-throttle.js';
import { key } from './memory-login-throttle.js';

// Count, (re)arm the expiry and answer in one step, so concurrent attempts on several instances
// are all counted before any password is checked, and the key never lives forever. Answers the
// lockout left in ms, or 0 when the attempt may go ahead.
const ATTEMPT = `
local n = redis.call('INCR', KEYS[1])
local limit = tonumber(ARGV[2])
if n == 1 or n == limit then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n <= limit then return 0 end
local left = redis.call('PTTL', KEYS[1])
if left < 1 then return 1 end
return left`;

/**
 * Login-attempt counts in Redis, shared by every instance. Keys expire with the lockout. The
 * script touches one key, so it runs on a Redis Cluster (`Cluster`) as on one Redis.
 */
export class RedisLoginThrottle extends LoginThrottle {
  constructor(
    private readonly redis: Redis | Cluster,
    private readonly limits: LoginThrottleLimits,
    private readonly prefix = 'sample-app:login-failures:',
  ) {
    super();
  }

  async attempt(account: string): Promise<number> {
    const leftMs = (await this.redis.eval(
      ATTEMPT,
      1,
      this.prefix + key(account),
      String(this.limits.lockoutSeconds * 1000),
      String(this.limits.maxAttempts),
    )) as number;
    return leftMs === 0 ? 0 : Math.max(1, Math.ceil(leftMs / 1000));
  }

  async reset(account: string): Promise<void> {
    await this.redis.del(this.prefix + key(account));
  }
}

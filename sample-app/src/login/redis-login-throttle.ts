import type { Redis } from 'ioredis';
import { LoginThrottle, type LoginThrottleLimits } from './login-throttle.js';
import { key } from './memory-login-throttle.js';

// Count and (re)arm the expiry in one step, so concurrent failures on several instances are all
// counted and the key never lives forever.
const RECORD_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** Failed-login counts in Redis, shared by every instance. Keys expire with the lockout. */
export class RedisLoginThrottle extends LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly limits: LoginThrottleLimits,
    private readonly prefix = 'sample-app:login-failures:',
  ) {
    super();
  }

  async lockedFor(account: string): Promise<number> {
    const k = this.prefix + key(account);
    const [count, ttl] = await Promise.all([this.redis.get(k), this.redis.pttl(k)]);
    if (count === null || Number(count) < this.limits.maxAttempts) return 0;
    return ttl > 0 ? Math.ceil(ttl / 1000) : 1;
  }

  async recordFailure(account: string): Promise<number> {
    const count = (await this.redis.eval(
      RECORD_FAILURE,
      1,
      this.prefix + key(account),
      String(this.limits.lockoutSeconds * 1000),
      String(this.limits.maxAttempts),
    )) as number;
    return count >= this.limits.maxAttempts ? this.limits.lockoutSeconds : 0;
  }

  async reset(account: string): Promise<void> {
    await this.redis.del(this.prefix + key(account));
  }
}

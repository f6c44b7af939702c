import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';

/** `<issued at, seconds, base 36>.<id: 128 random bits>.<HMAC-SHA256>`, base64url. */
const FORMAT = /^[0-9a-z]{1,11}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;
/** A token issued this far in the future (clock skew between instances) still counts. */
const SKEW_MS = 60_000;

/**
 * Device tokens, as OWASP's "device cookies" describe them: proof that a client logged in to one
 * account before. A token is stateless and bound to its account: the HMAC covers the account
 * name, so it verifies for that account only and is useless for any other. Its random id names
 * the device's own failure count. Internal.
 */
export class DeviceTokens {
  constructor(
    /** The first signs; every one verifies. */
    private readonly secrets: readonly string[],
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  /** A new token for `account`. */
  issue(account: string): string {
    const issuedAt = Math.floor(this.clock.now() / 1000);
    const id = randomBytes(16).toString('base64url');
    return `${issuedAt.toString(36)}.${id}.${mac(this.secrets[0]!, account, issuedAt, id)}`;
  }

  /**
   * The token's id when `token` is an unexpired token this service issued for `account`, or
   * `null` for anything else (another account's, tampered with, expired, malformed).
   */
  verify(token: string, account: string): string | null {
    if (!FORMAT.test(token)) return null;
    const [stamp, id, sent] = token.split('.') as [string, string, string];
    const issuedAt = parseInt(stamp, 36);
    const now = this.clock.now();
    if (issuedAt * 1000 > now + SKEW_MS || issuedAt * 1000 + this.ttlMs <= now) return null;
    const presented = Buffer.from(sent);
    // Every secret is tried, so the time taken does not tell which one matched.
    let valid = false;
    for (const secret of this.secrets) {
      valid = timingSafeEqual(presented, Buffer.from(mac(secret, account, issuedAt, id))) || valid;
    }
    return valid ? id : null;
  }
}

function mac(secret: string, account: string, issuedAt: number, id: string): string {
  // A JSON array keeps the fields apart whatever characters the account name holds.
  return createHmac('sha256', secret)
    .update(JSON.stringify(['gatehouse device token', account, issuedAt, id]))
    .digest('base64url');
}

import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { hash, parseOptions, verify, type Options } from '@node-rs/argon2';

/**
 * argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): the cost is a few
 * milliseconds here and a great deal more for an attacker with a GPU.
 */
export const ARGON2_PARAMS = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
}) satisfies Options;

/** argon2id's number in @node-rs/argon2's PHC parser (its `Algorithm` enum is type-only). */
const ARGON2ID = 2;

/** Hashes and verifies passwords with argon2id. */
@Injectable()
export class PasswordHasher {
  /** A hash of a random password, so unknown users cost the same verification time. */
  private readonly dummy: Promise<string>;

  constructor() {
    this.dummy = this.hash(randomBytes(24).toString('base64url'));
  }

  /** The PHC string of `password` (argon2id, a random 16-byte salt). */
  async hash(password: string): Promise<string> {
    // @node-rs/argon2 defaults to argon2id; passing its const enum would not survive transpilers.
    return hash(normalize(password), ARGON2_PARAMS);
  }

  /** Whether `password` matches `stored`. A malformed hash never matches. */
  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await verify(stored, normalize(password));
    } catch {
      return false;
    }
  }

  /**
   * Burns one verification's worth of time, for a login whose user does not exist, so the
   * response time does not tell which accounts exist.
   */
  async verifyDummy(password: string): Promise<false> {
    await this.verify(await this.dummy, password);
    return false;
  }

  /** Whether `stored` was made with weaker settings than today's (rehash at the next login). */
  needsRehash(stored: string): boolean {
    try {
      const o = parseOptions(stored);
      return (
        o.algorithm !== ARGON2ID ||
        o.memoryCost < ARGON2_PARAMS.memoryCost ||
        o.timeCost < ARGON2_PARAMS.timeCost
      );
    } catch {
      return true;
    }
  }
}

/** The same text typed on two keyboards may arrive in two Unicode forms; hash one form. */
function normalize(password: string): string {
  return password.normalize('NFC');
}

import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { Global, Injectable, Module } from '@nestjs/common';
import jwt from 'jsonwebtoken';

/**
 * The HS256 secret every JWT route of one server process shares (the recipes, the floor and the
 * library), made fresh at each start: no secret is ever written down.
 */
export const BENCH_SECRET: string = randomBytes(32).toString('base64url');

/**
 * The bench secret held twice: as the string the NestJS docs' recipes pass around, and as the
 * `KeyObject` a careful implementation builds once.
 */
@Injectable()
export class BenchKeys {
  readonly secret: string = BENCH_SECRET;
  /** jsonwebtoken HMACs a string secret as its UTF-8 bytes; so does this key. */
  readonly key: KeyObject = createSecretKey(Buffer.from(this.secret, 'utf8'));

  /**
   * `count` distinct HS256 access tokens for 100 users, valid for an hour, in the shape the
   * NestJS docs' recipes expect (`sub`, `username`).
   */
  mintRecipeTokens(count: number): string[] {
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      tokens.push(
        jwt.sign({ sub: userId(i), username: `name-${i % 100}` }, this.key, {
          algorithm: 'HS256',
          expiresIn: '1h',
          jwtid: randomBytes(16).toString('base64url'),
        }),
      );
    }
    return tokens;
  }
}

/** The identity of the i-th bench user (100 users, reused round-robin). */
export function userId(i: number): string {
  return `user-${i % 100}`;
}

/** Makes {@link BenchKeys} injectable everywhere, including in `JwtModule.registerAsync`. */
@Global()
@Module({ providers: [BenchKeys], exports: [BenchKeys] })
export class BenchKeysModule {}

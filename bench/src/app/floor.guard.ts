import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { BenchKeys } from './bench-keys.js';

const PREFIX = 'Bearer ';

/**
 * The floor: the least a correct HS256 check can do, written by hand. One HMAC-SHA256 with a
 * `KeyObject` built once, a constant-time compare, `JSON.parse` of header and payload, the
 * algorithm and the expiry. No library, no passport, no user lookup, synchronous.
 */
@Injectable()
export class FloorGuard implements CanActivate {
  constructor(private readonly keys: BenchKeys) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: IncomingHttpHeaders; user?: unknown }>();
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith(PREFIX)) {
      throw new UnauthorizedException();
    }
    const token = header.slice(PREFIX.length);
    const first = token.indexOf('.');
    const second = token.indexOf('.', first + 1);
    if (first <= 0 || second <= first || token.indexOf('.', second + 1) !== -1) {
      throw new UnauthorizedException();
    }
    const expected = createHmac('sha256', this.keys.key).update(token.slice(0, second)).digest();
    const given = Buffer.from(token.slice(second + 1), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedException();
    }
    let payload: { sub?: unknown; exp?: unknown };
    try {
      const head = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString('utf8')) as {
        alg?: unknown;
      };
      if (head.alg !== 'HS256') throw new UnauthorizedException();
      payload = JSON.parse(
        Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'),
      ) as typeof payload;
    } catch {
      throw new UnauthorizedException();
    }
    if (typeof payload.exp !== 'number' || payload.exp * 1000 <= Date.now()) {
      throw new UnauthorizedException();
    }
    request.user = { userId: payload.sub };
    return true;
  }
}

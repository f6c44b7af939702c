/**
 * The ways NestJS users protect routes today, written as the NestJS documentation shows them.
 * Nothing here is tuned: that is the point of comparing against them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import jwksRsa from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { BenchIdentityProvider } from './bench-idp.js';
import { BenchKeys } from './bench-keys.js';

/** The docs' `JwtStrategy`: passport-jwt with the secret as a string. Used as `AuthGuard('jwt')`. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(keys: BenchKeys) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: keys.secret,
    });
  }

  validate(payload: { sub: string; username: string }): { userId: string; username: string } {
    return { userId: payload.sub, username: payload.username };
  }
}

/**
 * The same recipe made fair: passport-jwt handed a `KeyObject`, so jsonwebtoken does not rebuild
 * the key from the string on every verify. Used as `AuthGuard('jwt-keyobject')`.
 */
@Injectable()
export class JwtKeyObjectStrategy extends PassportStrategy(Strategy, 'jwt-keyobject') {
  constructor(keys: BenchKeys) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      // passport-jwt's types say string | Buffer, but it hands the value to jsonwebtoken, which
      // takes a KeyObject.
      secretOrKey: keys.key as unknown as string,
    });
  }

  validate(payload: { sub: string; username: string }): { userId: string; username: string } {
    return { userId: payload.sub, username: payload.username };
  }
}

/** The docs' guard built on `@nestjs/jwt`'s `JwtService.verifyAsync`. */
@Injectable()
export class NestJwtGuard implements CanActivate {
  constructor(
    private readonly jwtService: JwtService,
    private readonly keys: BenchKeys,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: IncomingHttpHeaders; user?: unknown }>();
    const token = this.extractTokenFromHeader(request);
    if (!token) throw new UnauthorizedException();
    try {
      request.user = await this.jwtService.verifyAsync(token, { secret: this.keys.secret });
    } catch {
      throw new UnauthorizedException();
    }
    return true;
  }

  private extractTokenFromHeader(request: { headers: IncomingHttpHeaders }): string | undefined {
    const [type, token] = request.headers.authorization?.split(' ') ?? [];
    return type === 'Bearer' ? token : undefined;
  }
}

/** Raw API keys of the API-key recipe, and whom they belong to. */
@Injectable()
export class RecipeApiKeys {
  readonly owners = new Map<string, { userId: string }>();
}

/**
 * The common API-key recipe: `@nestjs/passport` with passport-headerapikey, the key looked up as
 * it is. Used as `AuthGuard('api-key')`.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, 'api-key') {
  constructor(private readonly keys: RecipeApiKeys) {
    super({ header: 'x-api-key', prefix: '' }, false);
  }

  validate(apiKey: string): { userId: string } {
    const owner = this.keys.owners.get(apiKey);
    if (!owner) throw new UnauthorizedException();
    return owner;
  }
}

/**
 * The Auth0 recipe for an API that accepts an identity provider's tokens: passport-jwt with
 * jwks-rsa's `passportJwtSecret` (keys cached, fetches rate-limited), issuer, audience and RS256
 * checked. jwks-rsa hands jsonwebtoken the key as a PEM string, so it is parsed on every verify.
 * Used as `AuthGuard('jwks-rsa')`.
 */
@Injectable()
export class JwksRsaStrategy extends PassportStrategy(Strategy, 'jwks-rsa') {
  constructor(idp: BenchIdentityProvider) {
    super({
      secretOrKeyProvider: jwksRsa.passportJwtSecret({
        cache: true,
        rateLimit: true,
        jwksRequestsPerMinute: 5,
        jwksUri: idp.jwksUri,
      }),
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      audience: idp.audience,
      issuer: idp.issuer,
      algorithms: ['RS256'],
    });
  }

  validate(payload: { sub: string }): { userId: string } {
    return { userId: payload.sub };
  }
}

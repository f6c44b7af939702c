import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { SessionService, TokenService, type AuthRequest } from 'nestjs-gatehouse';

/**
 * Refuses a session login from a cross-site browser context (login CSRF) with 403, as a guard,
 * so it comes before the body is validated, the throttle counts or a password is hashed.
 */
@Injectable()
export class SessionLoginOrigin implements CanActivate {
  constructor(private readonly sessions: SessionService) {}

  canActivate(context: ExecutionContext): boolean {
    this.sessions.assertLoginOrigin(context.switchToHttp().getRequest<AuthRequest>());
    return true;
  }
}

/** The same for the JWT login, with the JWT cookies' trusted origins. */
@Injectable()
export class TokenLoginOrigin implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  canActivate(context: ExecutionContext): boolean {
    this.tokens.assertLoginOrigin(context.switchToHttp().getRequest<AuthRequest>());
    return true;
  }
}

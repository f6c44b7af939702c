import {
  Injectable,
  SetMetadata,
  type CanActivate,
  type CustomDecorator,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SessionService, TokenService, type AuthRequest } from 'nestjs-gatehouse';

/** Which login a route is, so the guard applies that backend's trusted origins. */
const LOGIN_KIND = 'sample-app:login-kind';

/** Marks a route as the `kind` login, for {@link LoginOriginGuard}. */
export const LoginKind = (kind: 'jwt' | 'session'): CustomDecorator =>
  SetMetadata(LOGIN_KIND, kind);

/**
 * Refuses a login from a cross-site browser context (login CSRF) with 403, as a guard, so it
 * comes before the body is validated, the throttle counts or a password is hashed. The session
 * login checks `session.trustedOrigins`, the JWT login `jwt.cookies.trustedOrigins`.
 */
@Injectable()
export class LoginOriginGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionService,
    private readonly tokens: TokenService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const kind = this.reflector.get<'jwt' | 'session'>(LOGIN_KIND, context.getHandler());
    const request = context.switchToHttp().getRequest<AuthRequest>();
    (kind === 'session' ? this.sessions : this.tokens).assertLoginOrigin(request);
    return true;
  }
}

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthRequest } from '../core/auth-request.js';
import { UnauthenticatedUser } from '../core/unauthenticated-user.js';

/**
 * Injects `request.user`: the authenticated user, or `UnauthenticatedUser.instance` on a public
 * route called anonymously. Type the parameter with your own user class.
 *
 * @example
 * @Controller('me')
 * export class MeController {
 *   @Get()
 *   me(@CurrentUser() user: SimpleUser) { return { id: user.identity, name: user.displayName }; }
 * }
 */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<AuthRequest>();
  return request.user ?? UnauthenticatedUser.instance;
});

/**
 * Injects `request.authInfo`: the backend, identity, verified claims, scopes, freshness and
 * effective permissions of the request; `undefined` when anonymous.
 *
 * @example
 * @Controller('me')
 * export class ClaimsController {
 *   @Get('claims')
 *   claims(@CurrentAuth() auth: AuthInfo) { return auth.claims; }
 * }
 */
export const CurrentAuth = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  return context.switchToHttp().getRequest<AuthRequest>().authInfo;
});

import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { UnauthenticatedUser } from '../core/unauthenticated-user.js';
import { attachedView } from '../transports/request-views.js';

/**
 * Injects `request.user`: the authenticated user, or `UnauthenticatedUser.instance` on a public
 * route called anonymously. Type the parameter with your own user class. It works the same in
 * resolvers (queries, mutations, subscriptions, field resolvers), gateway message handlers and
 * message or event patterns: there it is the user the guard authenticated for that call.
 *
 * @example
 * @Controller('me')
 * export class MeController {
 *   @Get()
 *   me(@CurrentUser() user: SimpleUser) { return { id: user.identity, name: user.displayName }; }
 * }
 */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  return attachedView(context)?.user ?? UnauthenticatedUser.instance;
});

/**
 * Injects `request.authInfo`: the backend, identity, verified claims, scopes, freshness and
 * effective permissions of the request; `undefined` when anonymous. On every transport, as
 * {@link CurrentUser}.
 *
 * @example
 * @Controller('me')
 * export class ClaimsController {
 *   @Get('claims')
 *   claims(@CurrentAuth() auth: AuthInfo) { return auth.claims; }
 * }
 */
export const CurrentAuth = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  return attachedView(context)?.authInfo;
});

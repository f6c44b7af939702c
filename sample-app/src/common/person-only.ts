import {
  applyDecorators,
  Injectable,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { ApiExtension, ApiForbiddenResponse } from '@nestjs/swagger';
import {
  Auth,
  AuthEventPublisher,
  JwtBackend,
  PermissionDeniedError,
  SessionBackend,
  type AuthReasonCode,
  type AuthRequest,
} from 'nestjs-gatehouse';

/** The backends a person logs in with: a JWT login and a cookie session. */
const PERSON_BACKENDS = [JwtBackend, SessionBackend] as const;

/** The OpenAPI extension that marks the operations of {@link PersonOnly} routes. */
export const PERSON_ONLY_EXTENSION = 'x-person-only';

/**
 * Lets through only a credential a person logged in with (a JWT or a cookie session) that
 * carries no scopes. Anything else acts for a script: an API key, another backend, any credential
 * narrowed by scopes. It gets 403, and the refusal goes to the audit log with its reason.
 *
 * It runs after the library's guard, which has authenticated the request, whatever the
 * credential. The route does not restrict its backends with `@Auth([...])` on purpose: an API key
 * would then not be tried at all and would get 401, as if it were missing, where it is a valid
 * credential that may not do this.
 */
@Injectable()
export class PersonOnlyGuard implements CanActivate {
  private readonly persons: ReadonlySet<string>;

  constructor(
    private readonly events: AuthEventPublisher,
    jwt: JwtBackend,
    session: SessionBackend,
  ) {
    // Those of PERSON_BACKENDS, by the names requests report.
    this.persons = new Set([jwt.name, session.name]);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthRequest>();
    const auth = request.authInfo;
    // A route marked with @PersonOnly() is never public, so the library has set this already;
    // without it (the global guard replaced in a test, say) nobody passes.
    if (auth === undefined) throw new PermissionDeniedError('CREDENTIAL_MISSING');
    if (!this.persons.has(auth.backend)) {
      this.refuse(
        request,
        'BACKEND_NOT_ALLOWED',
        `account management needs a person, not ${auth.backend}`,
      );
    }
    if (auth.scopes !== undefined) {
      this.refuse(
        request,
        'PERMISSION_MISSING',
        'account management refuses a credential narrowed by scopes',
      );
    }
    return true;
  }

  private refuse(request: AuthRequest, reason: AuthReasonCode, detail: string): never {
    const auth = request.authInfo!;
    this.events.publish({
      type: 'permission_denied',
      backend: auth.backend,
      identity: auth.identity,
      credentialId: auth.credentialId,
      reason,
      detail,
      method: request.method,
      path: request.url.split('?')[0],
      ip: request.ip,
    });
    throw new PermissionDeniedError(reason, { detail });
  }
}

/**
 * Marks an account-management route (the caller's logins, keys, email and password): only a
 * person, logged in with a JWT or a session and without scopes, may use it; see
 * {@link PersonOnlyGuard}. With `fresh`, the login must also be fresh: a JWT straight from a
 * login, or a session logged in within the session's fresh window (5 minutes). The OpenAPI
 * operation is marked with {@link PERSON_ONLY_EXTENSION}, for {@link personSchemes}.
 */
export function PersonOnly(options: { fresh?: boolean } = {}): MethodDecorator {
  return applyDecorators(
    ...(options.fresh ? [Auth({ fresh: true })] : []),
    UseGuards(PersonOnlyGuard),
    ApiExtension(PERSON_ONLY_EXTENSION, true),
    ApiForbiddenResponse({
      description:
        'Forbidden: account management needs a person (a JWT or a session without scopes), not an API key or a scoped credential' +
        (options.fresh ? ', and a fresh login' : '') +
        '; or CSRF failed.',
    }),
  );
}

/**
 * The names of the OpenAPI security schemes of the person backends in `app`: all that the
 * document may list on a {@link PersonOnly} route.
 */
export function personSchemes(app: INestApplication): ReadonlySet<string> {
  return new Set(
    PERSON_BACKENDS.flatMap((type) =>
      Object.keys(app.get(type, { strict: false }).describeSecurity()),
    ),
  );
}

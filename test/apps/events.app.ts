import {
  Catch,
  Controller,
  Get,
  Injectable,
  Module,
  Post,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import {
  Auth,
  AuthBackend,
  AuthEvents,
  AuthModule,
  AuthResults,
  AuthenticationFailedError,
  HasPermission,
  Public,
  SimpleUser,
  UserModel,
  type AuthEvent,
  type AuthRequest,
} from 'nestjs-gatehouse';

/** Collects events so specs can check what the audit log would see. */
@Injectable()
export class EventLog extends AuthEvents {
  static readonly events: AuthEvent[] = [];
  emit(event: AuthEvent): void {
    EventLog.events.push(event);
  }
}

/**
 * x-key: "ok" authenticates as "u"; "boom" makes the backend fail like an unreachable store;
 * "nocsrf" is a valid credential presented without its CSRF token.
 */
@Injectable()
export class KeyBackend extends AuthBackend {
  readonly name = 'key';
  async authenticate(request: AuthRequest) {
    const key = request.headers['x-key'];
    if (key === undefined) return AuthResults.missing(this.name);
    if (key === 'boom') throw new Error('ECONNREFUSED 127.0.0.1:6379 secret-internal-detail');
    if (key === 'nocsrf') return AuthResults.forbidden(this.name, 'CSRF_TOKEN_INVALID', 'missing');
    if (key === 'ok') return AuthResults.success(this.name, 'u', { credentialId: 'key-1' });
    return AuthResults.invalid(this.name, 'CREDENTIAL_INVALID', 'signature mismatch for key');
  }
}

@Injectable()
export class Users extends UserModel {
  async loadUser(identity: string) {
    return new SimpleUser({ identity, roles: ['user'] });
  }
}

@Controller()
export class EventsController {
  @Get('protected')
  protected() {
    return { ok: true };
  }

  @Post('write')
  write() {
    return { ok: true };
  }

  @Public()
  @Post('public-write')
  publicWrite() {
    return { ok: true };
  }

  @HasPermission('users:manage')
  @Get('admin')
  admin() {
    return { ok: true };
  }

  @Auth('key')
  @Get('key-only')
  keyOnly() {
    return { ok: true };
  }
}

@Module({
  imports: [
    AuthModule.forRoot({
      backends: [KeyBackend],
      userModel: Users,
      events: EventLog,
      roles: { user: { permissions: ['reports:read'] } },
    }),
  ],
  controllers: [EventsController],
})
export class EventsAppModule {}

/** A user's own filter replacing the 401 body. */
@Catch(AuthenticationFailedError)
export class CustomUnauthorizedFilter implements ExceptionFilter {
  catch(error: AuthenticationFailedError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<{
      status?: (code: number) => { send: (body: unknown) => void; json?: (body: unknown) => void };
      code?: (code: number) => { send: (body: unknown) => void };
    }>();
    const body = { error: 'login_required', code: error.code };
    if (typeof response.code === 'function') response.code(401).send(body);
    else response.status!(401).json!(body);
  }
}

@Module({
  imports: [EventsAppModule],
  providers: [{ provide: APP_FILTER, useClass: CustomUnauthorizedFilter }],
})
export class FilteredAppModule {}

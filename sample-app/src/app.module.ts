import { Controller, Get, Injectable, Module } from '@nestjs/common';
import {
  AuthBackend,
  AuthModule,
  AuthResults,
  CurrentUser,
  Public,
  SimpleUser,
  UserModel,
  type AuthRequest,
  type BaseUser,
} from 'nestjs-gatehouse';

/** Placeholder backend until the JWT backend lands: a fixed demo token. */
@Injectable()
class DemoTokenBackend extends AuthBackend {
  readonly name = 'demo';
  async authenticate(request: AuthRequest) {
    const header = request.headers.authorization;
    if (header === undefined) return AuthResults.missing(this.name);
    return header === 'Bearer demo'
      ? AuthResults.success(this.name, 'demo-user')
      : AuthResults.invalid(this.name, 'unknown token');
  }
}

@Injectable()
class Users extends UserModel {
  async loadUser(identity: string): Promise<BaseUser | null> {
    return identity === 'demo-user' ? new SimpleUser({ identity, roles: ['user'] }) : null;
  }
}

@Controller()
class AppController {
  @Public()
  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('auth/me')
  me(@CurrentUser() user: BaseUser) {
    return { id: user.identity, roles: user.roles };
  }
}

@Module({
  imports: [AuthModule.forRoot({ backends: [DemoTokenBackend], userModel: Users })],
  controllers: [AppController],
})
export class AppModule {}

import { Controller, Get, Injectable, Module } from '@nestjs/common';
import {
  AuthBackend,
  AuthModule,
  AuthResults,
  CurrentUser,
  Public,
  SimpleUser,
  UnauthenticatedUser,
  UserModel,
  type AuthRequest,
  type BaseUser,
} from 'nestjs-gatehouse';

/** `x-user: <identity>` names the caller outright: the credential check is not under test here. */
@Injectable()
export class NamingBackend extends AuthBackend {
  readonly name = 'naming';
  async authenticate(request: AuthRequest) {
    const identity = request.headers['x-user'];
    if (typeof identity !== 'string' || identity === '') return AuthResults.missing(this.name);
    return AuthResults.success(this.name, identity);
  }
}

/**
 * User models as applications really write them, mistakes included: a disabled account mapped to
 * the anonymous user, a lookup table that also answers for `Object.prototype` names, a lookup
 * that forgets to return null.
 */
@Injectable()
export class SloppyUsers extends UserModel {
  private readonly table: Record<string, BaseUser> = {
    alice: new SimpleUser({ identity: 'alice', roles: ['user'] }),
  };

  async loadUser(identity: string): Promise<BaseUser | null> {
    if (identity === 'disabled') return UnauthenticatedUser.instance;
    if (identity === 'forgot-null') return undefined as unknown as null;
    return this.table[identity] ?? null;
  }
}

@Controller()
export class UserModelController {
  @Get('protected')
  protected(@CurrentUser() user: BaseUser) {
    return { identity: user.identity };
  }

  @Public()
  @Get('public')
  open(@CurrentUser() user: BaseUser) {
    return { identity: user.identity, authenticated: user.isAuthenticated };
  }
}

@Module({
  imports: [AuthModule.forRoot({ backends: [NamingBackend], userModel: SloppyUsers })],
  controllers: [UserModelController],
})
export class UserModelAppModule {}

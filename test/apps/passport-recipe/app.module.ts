import { Controller, Get, Header, HttpCode, Injectable, Module, Post } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import {
  Auth,
  AuthModule,
  CurrentAuth,
  CurrentUser,
  SimpleUser,
  UserModel,
  strategyBackend,
  type AuthInfo,
  type BaseUser,
} from 'nestjs-gatehouse';
import { AuthService } from './auth.service.js';
import { jwtConstants } from './constants.js';
import { JwtStrategy } from './jwt.strategy.js';
import { LocalStrategy } from './local.strategy.js';
import { UsersService } from './users.service.js';

// The recipe's app after the migration: its modules, services and both strategy classes as they
// were; AuthGuard('local') / AuthGuard('jwt') give way to one AuthModule.forRoot and @Auth.

@Module({ providers: [UsersService], exports: [UsersService] })
export class UsersModule {}

/** The recipe's own auth module, without the strategies: AuthModule.forRoot builds those. */
@Module({
  imports: [
    UsersModule,
    JwtModule.register({ secret: jwtConstants.secret, signOptions: { expiresIn: '60s' } }),
  ],
  providers: [AuthService],
  exports: [AuthService],
})
export class RecipeAuthModule {}

/** Roles and permissions come from the application's store, keyed by the identity. */
@Injectable()
export class RecipeUsers extends UserModel {
  constructor(private readonly users: UsersService) {
    super();
  }

  async loadUser(identity: string): Promise<BaseUser | null> {
    const user = await this.users.findById(Number(identity));
    return user ? new SimpleUser({ identity, displayName: user.username, roles: ['user'] }) : null;
  }
}

@Controller()
export class AppController {
  constructor(private authService: AuthService) {}

  // Was: @UseGuards(AuthGuard('local')) @Post('auth/login') login(@Request() req)
  @Auth('local')
  @Post('auth/login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async login(@CurrentAuth() auth: AuthInfo) {
    // `auth.claims` is what LocalStrategy.validate() returned.
    return this.authService.login(auth.claims);
  }

  // Was: @UseGuards(AuthGuard('jwt')) @Get('profile') getProfile(@Request() req)
  @Auth('jwt')
  @Get('profile')
  getProfile(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo) {
    return { identity: user.identity, name: user.displayName, claims: auth.claims };
  }

  // No @Auth: every backend tried by default, so the JWT strategy, never the password one.
  @Get('reports')
  reports(@CurrentUser() user: BaseUser) {
    return { for: user.identity };
  }

  // A dangerous action asks for the password again: a token is never fresh enough.
  @Auth({ backends: ['jwt', 'local'], fresh: true })
  @Post('account/delete')
  @HttpCode(200)
  deleteAccount(@CurrentAuth() auth: AuthInfo) {
    return { deleted: auth.identity, via: auth.backend };
  }
}

@Module({
  imports: [
    RecipeAuthModule,
    AuthModule.forRoot({
      backends: [JwtStrategy, strategyBackend(LocalStrategy, { explicit: true, fresh: true })],
      userModel: RecipeUsers,
      imports: [RecipeAuthModule, UsersModule],
    }),
  ],
  controllers: [AppController],
})
export class RecipeAppModule {}

import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AuthModule, JwtBackend, SessionBackend, type AuthModuleOptions } from 'nestjs-gatehouse';
import { BENCH_SECRET } from './bench-keys.js';
import { GatehouseRedisController, GatehouseSessionController } from './controllers.js';
import { BENCH_ROLES, BenchUsers, benchJwtOptions } from './gatehouse-core.js';

/**
 * The applications of `bench:scale`, one per store or cache setting, so that several sizes live
 * side by side in one process and can be measured in alternation. Each is a dynamic module
 * (a module class is one configuration, and these need many).
 */
@Module({})
export class ScaleAppModule {
  /**
   * JwtBackend with the bench's JWT settings plus `jwt`, and `providers` (a revocation store or
   * its options). The controller is the Redis route's: one handler, `@Auth('jwt')`.
   */
  static jwt(
    jwt: Partial<NonNullable<AuthModuleOptions['jwt']>> = {},
    providers: Provider[] = [],
  ): DynamicModule {
    return {
      module: ScaleAppModule,
      imports: [
        AuthModule.forRoot({
          backends: [JwtBackend],
          userModel: BenchUsers,
          roles: BENCH_ROLES,
          jwt: benchJwtOptions(jwt),
          globalGuard: false,
          providers,
        }),
      ],
      controllers: [GatehouseRedisController],
    };
  }

  /** SessionBackend with the in-memory session store, at its default settings. */
  static sessions(): DynamicModule {
    return {
      module: ScaleAppModule,
      imports: [
        AuthModule.forRoot({
          backends: [SessionBackend],
          userModel: BenchUsers,
          roles: BENCH_ROLES,
          session: { secret: BENCH_SECRET },
          globalGuard: false,
        }),
      ],
      controllers: [GatehouseSessionController],
    };
  }
}

import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ApiKeyBackend, AuthModule, JwtBackend } from 'nestjs-gatehouse';
import { BenchKeys } from './app/bench-keys.js';
import { GatehouseController } from './app/controllers.js';
import { FloorGuard } from './app/floor.guard.js';
import { JwtKeyObjectStrategy } from './app/recipes.js';
import { BENCH_ROLES, BenchUsers, benchJwtOptions, TrivialBackend } from './app/gatehouse-core.js';

/**
 * The library configured as in the HTTP bench's main application, for the in-process scripts:
 * the same backends, users, roles and JWT settings, and the same controller (its handlers carry
 * the route metadata the guard reads). The floor guard is there for comparison.
 */
@Module({
  imports: [
    AuthModule.forRoot({
      backends: [TrivialBackend, JwtBackend, ApiKeyBackend],
      userModel: BenchUsers,
      roles: BENCH_ROLES,
      jwt: benchJwtOptions(),
      globalGuard: false,
    }),
  ],
  controllers: [GatehouseController],
  providers: [BenchKeys, FloorGuard],
})
export class InProcessModule {}

/**
 * The fair JWT recipe for the in-process scripts: passport-jwt handed a `KeyObject`, registered
 * as `'jwt-keyobject'` for `@nestjs/passport`'s `AuthGuard`, as in the HTTP bench.
 */
@Module({
  imports: [PassportModule],
  providers: [BenchKeys, JwtKeyObjectStrategy],
})
export class InProcessRecipeModule {}

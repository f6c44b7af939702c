import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AuthModule } from 'nestjs-gatehouse';
import { BenchKeys, BenchKeysModule } from './bench-keys.js';
import {
  FloorController,
  GatehouseTrivialController,
  RecipeController,
  UnguardedController,
} from './controllers.js';
import { FloorGuard } from './floor.guard.js';
import { BENCH_ROLES, BenchUsers, TrivialBackend } from './gatehouse-core.js';
import {
  ApiKeyStrategy,
  JwtKeyObjectStrategy,
  JwtStrategy,
  NestJwtGuard,
  RecipeApiKeys,
} from './recipes.js';

/** Every benchmarked route of one server process. */
@Module({
  imports: [
    BenchKeysModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [BenchKeys],
      useFactory: (keys: BenchKeys) => ({ secret: keys.secret }),
    }),
    AuthModule.forRoot({
      backends: [TrivialBackend],
      userModel: BenchUsers,
      roles: BENCH_ROLES,
      // Bound per controller with @UseGuards, so the baseline and recipe routes stay unguarded.
      globalGuard: false,
    }),
  ],
  controllers: [UnguardedController, FloorController, RecipeController, GatehouseTrivialController],
  providers: [
    FloorGuard,
    NestJwtGuard,
    JwtStrategy,
    JwtKeyObjectStrategy,
    ApiKeyStrategy,
    RecipeApiKeys,
  ],
})
export class BenchModule {}

import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import {
  ApiKeyBackend,
  AuthModule,
  JwtBackend,
  OidcBackend,
  SessionBackend,
} from 'nestjs-gatehouse';
import { RedisRevocationStore, RedisSessionStore } from 'nestjs-gatehouse/redis';
import { BenchIdentityProvider } from './bench-idp.js';
import { BENCH_SECRET, BenchKeys, BenchKeysModule } from './bench-keys.js';
import {
  FloorController,
  JwksRecipeController,
  GatehouseController,
  GatehouseOidcController,
  GatehouseOidcUncachedController,
  GatehouseRedisController,
  GatehouseRedisSessionController,
  GatehouseSessionController,
  GatehouseUncachedController,
  RecipeController,
  SessionLoginController,
  UnguardedController,
} from './controllers.js';
import { FloorGuard } from './floor.guard.js';
import {
  BENCH_ROLES,
  BenchUsers,
  benchJwtAuth,
  benchJwtOptions,
  TrivialBackend,
} from './gatehouse-core.js';
import {
  ApiKeyStrategy,
  JwksRsaStrategy,
  JwtKeyObjectStrategy,
  JwtStrategy,
  NestJwtGuard,
  RecipeApiKeys,
} from './recipes.js';

/**
 * The main application of a server process: the baselines, the recipes and the library's routes
 * that share one configuration (trivial backend, JWT with the in-memory revocation store, API
 * keys).
 */
@Module({
  imports: [
    BenchKeysModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [BenchKeys],
      useFactory: (keys: BenchKeys) => ({ secret: keys.secret }),
    }),
    AuthModule.forRoot({
      backends: [TrivialBackend, JwtBackend, ApiKeyBackend],
      userModel: BenchUsers,
      roles: BENCH_ROLES,
      jwt: benchJwtOptions(),
      // Bound per controller with @UseGuards, so the baseline and recipe routes stay unguarded.
      globalGuard: false,
    }),
  ],
  controllers: [UnguardedController, FloorController, RecipeController, GatehouseController],
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

/**
 * The library's JWT route with `RedisRevocationStore`, configured as the README shows. An
 * application of its own because the revocation store is one per module.
 */
@Module({})
export class RedisJwtAppModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: RedisJwtAppModule,
      imports: [benchJwtAuth({ providers: [RedisRevocationStore.provider({ url })] })],
      controllers: [GatehouseRedisController],
    };
  }
}

/** The library's JWT route with its verified-token cache off: every request verifies in full. */
@Module({
  imports: [benchJwtAuth({ jwt: benchJwtOptions({ verifiedTokenCacheSize: 0 }) })],
  controllers: [GatehouseUncachedController],
})
export class UncachedJwtAppModule {}

/** The library's session settings; the store in memory unless `providers` brings another. */
function benchSessions(providers: Provider[] = []) {
  return AuthModule.forRoot({
    backends: [SessionBackend],
    userModel: BenchUsers,
    roles: BENCH_ROLES,
    // Plain HTTP on loopback: the cookie cannot be Secure here.
    session: { secret: BENCH_SECRET, secure: false },
    globalGuard: false,
    providers,
  });
}

/**
 * The library's session route. An application of its own: the session middleware runs on every
 * request of its application and would tax the other routes.
 */
@Module({
  imports: [benchSessions()],
  controllers: [GatehouseSessionController, SessionLoginController],
})
export class SessionAppModule {}

/**
 * The session route with `RedisSessionStore`, configured as the README shows: an application of
 * its own, as the session store is one per module.
 */
@Module({})
export class RedisSessionAppModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: RedisSessionAppModule,
      imports: [benchSessions([RedisSessionStore.provider({ url })])],
      controllers: [GatehouseRedisSessionController, SessionLoginController],
    };
  }
}

/** The library's OIDC settings for the bench identity provider; the cache at its default or off. */
function benchOidc(idp: BenchIdentityProvider, cache: boolean) {
  return AuthModule.forRoot({
    backends: [OidcBackend],
    userModel: BenchUsers,
    roles: BENCH_ROLES,
    oidc: {
      issuers: [{ issuer: idp.issuer, audience: idp.audience }],
      ...(cache ? {} : { verifiedTokenCacheSize: 0 }),
    },
    globalGuard: false,
  });
}

/**
 * An identity provider's RS256 tokens: the library's `OidcBackend` and the Auth0 recipe
 * (passport-jwt + jwks-rsa), in one application, both against the bench identity provider.
 */
@Module({})
export class OidcAppModule {
  static forRoot(idp: BenchIdentityProvider): DynamicModule {
    return {
      module: OidcAppModule,
      imports: [PassportModule, benchOidc(idp, true)],
      controllers: [GatehouseOidcController, JwksRecipeController],
      providers: [{ provide: BenchIdentityProvider, useValue: idp }, JwksRsaStrategy],
    };
  }
}

/** The library's OIDC route with its verified-token cache off: every request verifies in full. */
@Module({})
export class UncachedOidcAppModule {
  static forRoot(idp: BenchIdentityProvider): DynamicModule {
    return {
      module: UncachedOidcAppModule,
      imports: [benchOidc(idp, false)],
      controllers: [GatehouseOidcUncachedController],
      providers: [{ provide: BenchIdentityProvider, useValue: idp }],
    };
  }
}

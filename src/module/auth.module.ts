import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AUTH_BACKENDS, AUTH_TEST_BACKEND, AUTH_TRANSPORTS } from '../core/injection-tokens.js';
import { AUTH_MODULE_OPTIONS } from '../core/options-reader.js';
import {
  AUTH_ASYNC_OPTIONS_TYPE,
  AUTH_OPTIONS_TYPE,
  ConfigurableAuthModule,
} from './auth.module-definition.js';
import type { AuthModuleExtras, UserModelProvider } from './auth-module-options.js';
import type { AuthBackend, AuthBackendType } from '../core/auth-backend.js';
import { Clock, SystemClock } from '../core/clock.js';
import { AuthEvents, LoggerAuthEvents } from '../core/auth-events.js';
import { AuthEventPublisher } from '../core/auth-event-publisher.js';
import { LOGIN_THROTTLE_PROVIDERS } from '../login-throttle/login-throttle.js';
import { AuthGuard } from '../routes/auth.guard.js';
import { RoutePolicies } from '../routes/route-policy.js';
import { AuthRouteScanner } from '../routes/route-scanner.js';
import { messageHandlerGuard } from '../routes/message-handler-guard.js';
import { AuthTransports } from '../transports/auth-transports.js';
import { GraphQLTransport, resolverRefusals } from '../transports/graphql.transport.js';
import { RpcTransport } from '../transports/rpc.transport.js';
import { transportSettingsProvider } from '../transports/transport-settings.js';
import { gatewayRefusals, WsTransport } from '../transports/ws.transport.js';
import { ConnectionGate } from '../connections/connection-gate.js';
import { ConnectionMonitor } from '../connections/connection-monitor.js';
import { GraphQLAuth } from '../connections/graphql-auth.js';
import { checkOptions, validateBackendNames, validateExtras } from './validate-options.js';
import { PermissionChecker } from '../permissions/permission-checker.js';
import { UserModel } from '../users/user-model.js';
import { isPassportStrategyClass, strategyBackend } from '../passport/strategy-backend.js';

/**
 * Authentication and authorization for the whole application.
 *
 * @example
 * import { ConfigModule, ConfigService } from '@nestjs/config';
 *
 * AuthModule.forRoot({
 *   backends: [JwtBackend, ApiKeyBackend],
 *   userModel: Users,
 *   roles: { admin: { inherits: ['user'] }, user: { permissions: ['reports:read'] } },
 *   jwt: { algorithms: ['HS256'], secret: process.env.JWT_SECRET! },
 * });
 *
 * AuthModule.forRootAsync({
 *   backends: [JwtBackend],
 *   userModel: Users,
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({
 *     jwt: { algorithms: ['HS256'], secret: config.getOrThrow<string>('JWT_SECRET') },
 *   }),
 * });
 */
const OPTIONS_CHECKED = Symbol('gatehouse:options-checked');

@Module({})
export class AuthModule {
  /** Configures the module with options known up front. */
  static forRoot(options: typeof AUTH_OPTIONS_TYPE & AuthModuleExtras): DynamicModule {
    return withProviders(ConfigurableAuthModule.forRoot(options), options);
  }

  /** Configures the module with options from an async factory; the backends stay static. */
  static forRootAsync(options: typeof AUTH_ASYNC_OPTIONS_TYPE & AuthModuleExtras): DynamicModule {
    return withProviders(ConfigurableAuthModule.forRootAsync(options), options);
  }
}

function withProviders(definition: DynamicModule, extras: AuthModuleExtras): DynamicModule {
  validateExtras(extras);
  // A @nestjs/passport strategy class listed as it is becomes a backend with the defaults.
  const backendTypes: AuthBackendType[] = extras.backends.map((type) =>
    isPassportStrategyClass(type) ? strategyBackend(type) : (type as AuthBackendType),
  );
  const transportTypes = [...(extras.transports ?? [])];
  const providers: Provider[] = [
    ...(definition.providers ?? []),
    { provide: Clock, useClass: SystemClock },
    // Checks the top level of the options at bootstrap; each feature checks its own slice.
    { provide: OPTIONS_CHECKED, useFactory: checkOptions, inject: [AUTH_MODULE_OPTIONS] },
    { provide: AuthEvents, useClass: extras.events ?? LoggerAuthEvents },
    AuthEventPublisher,
    // Every application may throttle its logins; the store is replaced among `providers`.
    ...LOGIN_THROTTLE_PROVIDERS,
    userModelProvider(extras.userModel!),
    ...backendTypes,
    {
      provide: AUTH_BACKENDS,
      useFactory: (...backends: AuthBackend[]) => {
        validateBackendNames(backends);
        return backends;
      },
      inject: backendTypes,
    },
    { provide: AUTH_TEST_BACKEND, useValue: null },
    PermissionChecker,
    RoutePolicies,
    AuthRouteScanner,
    AuthGuard,
    // GraphQL, WebSocket and microservice contexts: nothing here loads their packages.
    transportSettingsProvider,
    GraphQLTransport,
    WsTransport,
    RpcTransport,
    ...transportTypes,
    {
      provide: AUTH_TRANSPORTS,
      useFactory: (...custom: unknown[]) => custom,
      inject: transportTypes,
    },
    AuthTransports,
    ConnectionMonitor,
    ConnectionGate,
    GraphQLAuth,
    gatewayRefusals,
    resolverRefusals,
    // A backend brings the services it needs (TokenService for JWT, ApiKeyService for keys…).
    ...dedupe(backendTypes.flatMap((type) => type.providers ?? [])),
    ...(extras.globalGuard === false
      ? []
      : [{ provide: APP_GUARD, useExisting: AuthGuard }, messageHandlerGuard]),
    ...(extras.providers ?? []),
  ];
  const imports = dedupe([
    ...(definition.imports ?? []),
    DiscoveryModule,
    ...(extras.imports ?? []),
  ]);
  const exported = providers
    .map((p) => (typeof p === 'function' ? p : p.provide))
    .filter(
      (token) => token !== APP_GUARD && token !== AUTH_MODULE_OPTIONS && token !== OPTIONS_CHECKED,
    );
  return {
    ...definition,
    module: AuthModule,
    global: extras.isGlobal !== false,
    imports,
    providers,
    exports: dedupe([...(definition.exports ?? []), ...exported]),
  };
}

function userModelProvider(spec: UserModelProvider): Provider {
  if (typeof spec === 'function') return { provide: UserModel, useClass: spec };
  return { provide: UserModel, ...spec } as Provider;
}

function dedupe<T>(items: T[]): T[] {
  return [...new Set(items)];
}

import type { ModuleMetadata, Provider, Type } from '@nestjs/common';
import type { ApiKeyOptions } from '../api-keys/api-key-options.js';
import type { AuthBackend } from '../core/auth-backend.js';
import type { AuthEvents } from '../core/auth-events.js';
import type { JwtOptions } from '../jwt/jwt-options.js';
import type { LoginThrottleOptions } from '../login-throttle/login-throttle-options.js';
import type { OidcOptions } from '../oidc/oidc-options.js';
import type { PassportStrategyClass } from '../passport/strategy-backend.js';
import type { SessionOptions } from '../sessions/session-options.js';
import type { RoleDefinition } from '../permissions/role-hierarchy.js';
import type { AuthTransport } from '../transports/auth-transport.js';
import type { ConnectionOptions, RpcOptions } from '../transports/transport-options.js';
import type { UserModel } from '../users/user-model.js';

/**
 * The settings of `AuthModule`: what `forRoot(options)` takes, or what the `forRootAsync`
 * factory returns. Secrets, lifetimes and URLs belong here, so they may come from configuration.
 */
export interface AuthModuleOptions {
  /**
   * The role hierarchy and each role's permissions.
   * Default: no roles (only the users' own permissions count).
   *
   * @example
   * const options: AuthModuleOptions = {
   *   roles: {
   *     user: { permissions: ['reports:read'] },
   *     moderator: { inherits: ['user'], permissions: ['reports:write'] },
   *     admin: { inherits: ['moderator'], permissions: ['users:manage'] },
   *   },
   * };
   */
  roles?: Readonly<Record<string, RoleDefinition>>;
  /** The realm named in `WWW-Authenticate` challenges. Default: `'api'`. */
  realm?: string;
  /** Keys, algorithms, lifetimes and transport of the JWT backend. Required with `JwtBackend`. */
  jwt?: JwtOptions;
  /** Settings of `ApiKeyBackend`. Default: `X-API-Key` header, prefix `gk`, SHA-256. */
  apiKey?: ApiKeyOptions;
  /** Cookie sessions (`SessionBackend`). Required when that backend is configured. */
  session?: SessionOptions;
  /**
   * The login throttle with device tokens (`LoginThrottle`). Default: 5 attempts per 15 minutes,
   * with a device-token secret of this process only (see {@link LoginThrottleOptions}).
   */
  loginThrottle?: LoginThrottleOptions;
  /** Identity providers whose access tokens `OidcBackend` accepts. Required with that backend. */
  oidc?: OidcOptions;
  /** WebSocket and graphql-ws connections: trusted origins, how often they are re-checked. */
  connections?: ConnectionOptions;
  /** Microservice handlers: the field of the credential envelope. Default: `'$auth'`. */
  rpc?: RpcOptions;
}

/** How to provide the {@link UserModel}: a class, or a provider without `provide`. */
export type UserModelProvider =
  | Type<UserModel>
  | { useClass: Type<UserModel> }
  | { useExisting: unknown }
  | { useValue: UserModel }
  | { useFactory: (...args: never[]) => UserModel | Promise<UserModel>; inject?: unknown[] };

/**
 * The static part of the configuration, given next to the options (also to `forRootAsync`):
 * which classes exist cannot come from an async factory.
 */
export interface AuthModuleExtras {
  /**
   * The backends, in the order they are tried. At least one. Each is a class that extends
   * `AuthBackend`, or an existing `@nestjs/passport` strategy class (`PassportStrategy(Strategy)`),
   * as it is or through `strategyBackend(TheClass, options)`.
   */
  backends: readonly (Type<AuthBackend> | PassportStrategyClass)[];
  /** Loads users by identity. Required. */
  userModel?: UserModelProvider;
  /** Where auth events go. Default: `LoggerAuthEvents` (Nest's Logger, debug level). */
  events?: Type<AuthEvents>;
  /** Register the guard as a global `APP_GUARD`. Default: `true`. */
  globalGuard?: boolean;
  /** Make the module's exports (TokenService, guards…) available everywhere. Default: `true`. */
  isGlobal?: boolean;
  /** Modules the backends and the user model need (their providers' modules). */
  imports?: ModuleMetadata['imports'];
  /** Extra providers. They come last, so they replace defaults such as `Clock`. */
  providers?: Provider[];
  /**
   * Transports for execution context types besides `http`, `graphql`, `ws` and `rpc` (or
   * replacing one of the last three). A context of a type no transport serves is refused.
   * Default: none.
   */
  transports?: readonly Type<AuthTransport>[];
}

/** Every top-level key of {@link AuthModuleOptions}; the module refuses any other. */
export const MODULE_OPTION_KEYS: readonly (keyof AuthModuleOptions)[] = [
  'roles',
  'realm',
  'jwt',
  'apiKey',
  'session',
  'loginThrottle',
  'oidc',
  'connections',
  'rpc',
];

/** Every key of {@link AuthModuleExtras}. */
export const MODULE_EXTRA_KEYS: readonly (keyof AuthModuleExtras)[] = [
  'backends',
  'userModel',
  'events',
  'globalGuard',
  'isGlobal',
  'imports',
  'providers',
  'transports',
];

/**
 * nestjs-gatehouse: authentication and authorization for NestJS.
 * The exports are grouped by the stage of a request they belong to.
 */

// Module and configuration
export { AuthModule } from './module/auth.module.js';
export type {
  AuthModuleExtras,
  AuthModuleOptions,
  UserModelProvider,
} from './module/auth-module-options.js';
export type { RoleDefinition } from './permissions/role-hierarchy.js';
export { Clock, SystemClock } from './core/clock.js';
export type { AuthInfo, AuthRequest, AuthTransportType } from './core/auth-request.js';
export type { ConnectionOptions, RpcOptions } from './transports/transport-options.js';

// (1) Mark the route
export { Public } from './routes/public.decorator.js';
export { Auth, type AuthRouteOptions } from './routes/auth.decorator.js';
export type { AccessRule } from './routes/access-rule.js';
export { HasAnyPermission, HasPermission } from './routes/has-permission.decorator.js';
export type { PermissionRequirement } from './permissions/permission-requirement.js';
export { CurrentAuth, CurrentUser } from './routes/current-user.decorator.js';

// (2) Enforce, on every transport
export { AuthGuard } from './routes/auth.guard.js';
export { AuthTransport } from './transports/auth-transport.js';
export { withCredentials } from './transports/rpc.transport.js';

// (3) Who is calling?
export { AuthBackend, type AuthBackendType } from './core/auth-backend.js';
export type { SecuritySchemeDescription, SecuritySchemes } from './core/security-scheme.js';
export {
  AuthResults,
  type AuthFailure,
  type AuthResult,
  type AuthSuccess,
} from './core/auth-result.js';
export { PassportBackend } from './passport/passport.backend.js';
export {
  strategyBackend,
  type PassportStrategyClass,
  type StrategyBackendOptions,
} from './passport/strategy-backend.js';

// JWT: the backend, the token lifecycle and revocation
export { JwtBackend } from './jwt/jwt.backend.js';
export type {
  JwtAlgorithm,
  JwtCookieOptions,
  JwtKeyMaterial,
  JwtKeyOptions,
  JwtOptions,
  TokenLocation,
} from './jwt/jwt-options.js';
export {
  TokenService,
  type IssueAccessTokenOptions,
  type IssueTokenOptions,
  type RevocableToken,
} from './jwt/token.service.js';
export { TokenCookies } from './jwt/token-cookies.js';
export {
  RESERVED_CLAIMS,
  type IssuedTokenPair,
  type JwksDocument,
  type TokenClaims,
  type TokenPair,
  type TokenType,
  type VerifiedToken,
} from './jwt/token-claims.js';
export {
  RevocationStore,
  type ConsumeOptions,
  type ConsumeResult,
  type RevocationSubject,
} from './jwt/revocation/revocation-store.js';
export {
  IN_MEMORY_REVOCATION_OPTIONS,
  InMemoryRevocationStore,
  type InMemoryRevocationOptions,
} from './jwt/revocation/in-memory-revocation.store.js';

// API keys: the backend, issuing and verifying keys, and where they are stored
export { ApiKeyBackend } from './api-keys/api-key.backend.js';
export {
  ApiKeyService,
  type ApiKeyVerification,
  type CreateApiKeyInput,
  type CreatedApiKey,
  type RotateApiKeyOptions,
  type RotatedApiKey,
} from './api-keys/api-key.service.js';
export { ApiKeyStore, type ApiKeyInfo, type ApiKeyRecord } from './api-keys/api-key-store.js';
export { InMemoryApiKeyStore } from './api-keys/in-memory-api-key.store.js';
export type { ApiKeyOptions } from './api-keys/api-key-options.js';
export {
  createApiKey,
  verifyKey,
  type ApiKeyHashOptions,
  type ApiKeyPepper,
  type GeneratedApiKey,
} from './api-keys/api-key.js';
// Cookie sessions: SessionBackend, configureSessions(app), SessionService (login/logout/listing)
export { SessionBackend } from './sessions/session.backend.js';
export { configureSessions } from './sessions/configure-sessions.js';
export type { SessionOptions } from './sessions/session-options.js';
export { SessionService } from './sessions/session.service.js';
export type { LoginResult, SessionInfo } from './sessions/session-info.js';
export {
  SessionStore,
  type SessionWriteOptions,
  type StoredSession,
} from './sessions/session-store.js';
export { InMemorySessionStore } from './sessions/in-memory-session.store.js';

// Login throttling with device tokens: LoginThrottle, where it counts, its options
export {
  LoginThrottle,
  type LoginAttempt,
  type LoginAttemptOptions,
} from './login-throttle/login-throttle.js';
export type { LoginThrottleOptions } from './login-throttle/login-throttle-options.js';
export { LoginThrottleStore, type LoginCount } from './login-throttle/login-throttle-store.js';
export {
  IN_MEMORY_LOGIN_THROTTLE_OPTIONS,
  InMemoryLoginThrottleStore,
  type InMemoryLoginThrottleOptions,
} from './login-throttle/in-memory-login-throttle.store.js';

// Resource-server mode: access tokens of identity providers (OIDC discovery, JWKS, introspection)
export { OidcBackend } from './oidc/oidc.backend.js';
export { ClaimsUserModel } from './oidc/claims-user.model.js';
export type {
  OidcAlgorithm,
  OidcIntrospectionOptions,
  OidcIssuerOptions,
  OidcJwksOptions,
  OidcOptions,
} from './oidc/oidc-options.js';

// (4) Load the user
export { UserModel, type UserLoadContext } from './users/user-model.js';
export { BaseUser } from './core/base-user.js';
export { SimpleUser, type SimpleUserData } from './users/simple-user.js';
export { UnauthenticatedUser } from './core/unauthenticated-user.js';

// (5) May they do it?
export { PermissionChecker } from './permissions/permission-checker.js';

// Errors and events
export {
  AuthConfigurationError,
  AuthError,
  AuthenticationFailedError,
  AuthUnavailableError,
  LoginThrottledError,
  PermissionDeniedError,
  type AuthErrorCode,
  type AuthErrorOptions,
} from './core/auth-error.js';
export { AUTH_REASONS, type AuthReasonCode, type AuthRejection } from './core/auth-reason.js';
export type { AuthEvent, AuthEventType } from './core/auth-event.js';
export { AuthEvents, LoggerAuthEvents } from './core/auth-events.js';
export { AuthEventPublisher, type AuthEventInput } from './core/auth-event-publisher.js';

/**
 * nestjs-gatehouse: authentication and authorization for NestJS.
 * The exports are grouped by the stage of a request they belong to.
 */

// Module and configuration
export { AuthModule } from './auth.module.js';
export type {
  AuthModuleExtras,
  AuthModuleOptions,
  ResolvedAuthOptions,
  RoleDefinition,
  UserModelProvider,
} from './auth-module-options.js';
export {
  ACCESS_METADATA,
  AUTH_BACKENDS,
  AUTH_OPTIONS,
  PERMISSIONS_METADATA,
} from './auth.constants.js';
export { Clock, FakeClock, SystemClock } from './clock.js';
export type { AuthInfo, AuthRequest } from './auth-request.js';

// (1) Mark the route
export { Public } from './decorators/public.decorator.js';
export { Auth, type AuthRouteOptions } from './decorators/auth.decorator.js';
export type { AccessRule } from './decorators/access-rule.js';
export {
  HasAnyPermission,
  HasPermission,
  type PermissionRequirement,
} from './decorators/has-permission.decorator.js';
export { CurrentAuth, CurrentUser } from './decorators/current-user.decorator.js';

// (2) Enforce
export { AuthGuard } from './guards/auth.guard.js';
export { RoutePolicies, type RoutePolicy } from './guards/route-policy.js';

// (3) Who is calling?
export { AuthBackend, type AuthBackendType } from './backends/auth-backend.js';
export {
  AuthResults,
  type AuthFailure,
  type AuthResult,
  type AuthSuccess,
} from './backends/auth-result.js';
export { PassportBackend } from './backends/passport.backend.js';

// JWT: the backend, the token lifecycle and revocation
export { JwtBackend } from './backends/jwt.backend.js';
export type {
  JwtAlgorithm,
  JwtCookieOptions,
  JwtKeyMaterial,
  JwtKeyOptions,
  JwtOptions,
  TokenLocation,
} from './tokens/jwt-options.js';
export {
  TokenService,
  type IssueAccessTokenOptions,
  type IssueTokenOptions,
  type RevocableToken,
} from './tokens/token.service.js';
export { TokenCookies } from './tokens/token-cookies.js';
export {
  RESERVED_CLAIMS,
  type JwksDocument,
  type TokenClaims,
  type TokenPair,
  type TokenType,
  type VerifiedToken,
} from './tokens/token-claims.js';
export {
  RevocationStore,
  type ConsumeResult,
  type RevocationSubject,
} from './revocation/revocation-store.js';
export {
  IN_MEMORY_REVOCATION_OPTIONS,
  InMemoryRevocationStore,
  type InMemoryRevocationOptions,
} from './revocation/in-memory-revocation.store.js';

// API keys: the backend, issuing and verifying keys, and where they are stored
export { ApiKeyBackend } from './backends/api-key.backend.js';
export {
  ApiKeyService,
  LAST_USE_INTERVAL_MS,
  type ApiKeyVerification,
  type CreateApiKeyInput,
  type CreatedApiKey,
  type RotateApiKeyOptions,
  type RotatedApiKey,
} from './api-keys/api-key.service.js';
export { ApiKeyStore, type ApiKeyInfo, type ApiKeyRecord } from './api-keys/api-key-store.js';
export { InMemoryApiKeyStore } from './api-keys/in-memory-api-key.store.js';
export {
  API_KEY_OPTIONS,
  type ApiKeyOptions,
  type ResolvedApiKeyOptions,
} from './api-keys/api-key-options.js';
export {
  createApiKey,
  verifyKey,
  type ApiKeyHashOptions,
  type ApiKeyPepper,
  type GeneratedApiKey,
} from './api-keys/api-key.js';
// Cookie sessions: SessionBackend, configureSessions(app), SessionService (login/logout/listing)
export { SessionBackend } from './backends/session.backend.js';
export { configureSessions } from './sessions/configure-sessions.js';
export type { SessionOptions } from './sessions/session-options.js';
export { SessionSettings } from './sessions/session-settings.js';
export { SessionService } from './sessions/session.service.js';
export type { LoginResult, SessionInfo } from './sessions/session-info.js';
export { SessionStore, type StoredSession } from './sessions/session-store.js';
export { InMemorySessionStore } from './sessions/in-memory-session.store.js';

// (4) Load the user
export { UserModel, type UserLoadContext } from './users/user-model.js';
export { BaseUser } from './users/base-user.js';
export { SimpleUser, type SimpleUserData } from './users/simple-user.js';
export { UnauthenticatedUser } from './users/unauthenticated-user.js';

// (5) May they do it?
export { PermissionChecker } from './permissions/permission-checker.js';

// Errors and events
export {
  AuthConfigurationError,
  AuthError,
  AuthenticationFailedError,
  AuthUnavailableError,
  PermissionDeniedError,
  type AuthErrorCode,
} from './errors/auth-error.js';
export type { AuthEvent, AuthEventType } from './events/auth-event.js';
export { AuthEvents, LoggerAuthEvents } from './events/auth-events.js';

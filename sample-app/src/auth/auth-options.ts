import { hkdfSync } from 'node:crypto';
import type { ConfigService } from '@nestjs/config';
import type { AuthModuleOptions, JwtOptions } from 'nestjs-gatehouse';
import { API_KEY_PREFIX } from '../api-keys/api-keys.controller.js';
import type { AppConfig } from '../config/app-config.js';
import { ROLES } from './roles.js';

/** The session cookie's base name; with the host prefix the browser sees `__Host-sample.sid`. */
export const SESSION_COOKIE = 'sample.sid';

/** The longest a login (refresh family) lasts through rotations, unless refresh tokens live longer. */
const FAMILY_LIFETIME_SECONDS = 30 * 86_400;

/** The library's options from the app's configuration: `AuthModule.forRootAsync`'s factory. */
export function authOptions(config: ConfigService<AppConfig, true>): AuthModuleOptions {
  const secure = config.get('sessionCookieSecure', { infer: true }) !== false;
  const sessionSecret = config.get('sessionSecret', { infer: true });
  const login = config.get('login', { infer: true });
  return {
    roles: ROLES,
    jwt: jwtOptions(config.get('jwt', { infer: true })),
    session: {
      secret: sessionSecret,
      cookieName: SESSION_COOKIE,
      secure,
      hostPrefix: secure,
      // What a fresh session is (for the password and email changes): logged in 5 minutes ago at most.
      freshForSeconds: 300,
    },
    // A distinctive prefix lets secret scanners recognise leaked keys.
    apiKey: { prefix: API_KEY_PREFIX },
    loginThrottle: {
      maxAttempts: login.maxAttempts,
      lockoutSeconds: login.lockoutSeconds,
      deviceTokenSecret: deviceTokenSecret(sessionSecret),
      deviceCookieName: 'device',
      secure,
      hostPrefix: secure,
    },
    ...oidcOptions(config.get('oidc', { infer: true })),
  };
}

/** The outside provider, when `OIDC_ISSUER` is set. */
function oidcOptions(oidc: AppConfig['oidc']): Pick<AuthModuleOptions, 'oidc'> {
  if (oidc === undefined) return {};
  return {
    oidc: {
      issuers: [
        {
          issuer: oidc.issuer,
          audience: oidc.audience,
          // sample-app-http.md: typ may be absent, JWT or at+jwt.
          acceptTypJwt: true,
          rolesClaim: oidc.rolesClaim,
        },
      ],
    },
  };
}

/**
 * The device tokens' signing key, derived from SESSION_SECRET (HKDF-SHA256 with its own label),
 * so the app needs no second secret and the two keys never coincide: knowing a device token's
 * key tells nothing about the session cookie's.
 */
function deviceTokenSecret(sessionSecret: string): string {
  const key = hkdfSync('sha256', sessionSecret, '', 'sample-app device tokens', 32);
  return Buffer.from(key).toString('base64url');
}

function jwtOptions(jwt: AppConfig['jwt']): JwtOptions {
  return {
    algorithms: [jwt.algorithm],
    ...(jwt.algorithm === 'HS256'
      ? { secret: jwt.secret! }
      : { privateKey: jwt.privateKeyPem!, publicKey: jwt.publicKeyPem! }),
    issuer: jwt.issuer,
    audience: jwt.audience,
    accessTokenTtlSeconds: jwt.accessTokenTtl,
    refreshTokenTtlSeconds: jwt.refreshTokenTtl,
    refreshFamilyLifetimeSeconds: Math.max(FAMILY_LIFETIME_SECONDS, jwt.refreshTokenTtl),
    // Browsers use the session cookie; tokens travel in the Authorization header only.
    tokenLocations: ['header'],
  };
}

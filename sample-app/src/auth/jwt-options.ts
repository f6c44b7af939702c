import type { JwtOptions } from 'nestjs-gatehouse';
import type { AppConfig } from '../config/app-config.js';

/** The longest a login (refresh family) lasts through rotations, unless refresh tokens live longer. */
const FAMILY_LIFETIME_SECONDS = 30 * 86_400;

/** The library's JWT options from the app's configuration. */
export function jwtOptions(config: AppConfig): JwtOptions {
  const { jwt } = config;
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

/** How long a revoked login must be remembered, in ms (its longest possible life). */
export function familyLifetimeMs(config: AppConfig): number {
  return Math.max(FAMILY_LIFETIME_SECONDS, config.jwt.refreshTokenTtl) * 1000;
}

import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiSecurity,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

/** Names of the security schemes declared in the OpenAPI document. */
export const SECURITY_SCHEMES = {
  bearer: 'bearer',
  apiKey: 'apiKey',
  session: 'session',
} as const;

type Scheme = keyof typeof SECURITY_SCHEMES;

/**
 * Documents which credentials a protected route accepts (Swagger's lock icons) and its 401/403
 * answers. Documentation only: the library's global guard does the enforcing.
 *
 * @example
 * @ApiAuth('bearer')                           // JWT only
 * @ApiAuth('bearer', 'apiKey', 'session')      // any credential
 */
export function ApiAuth(...schemes: Scheme[]): MethodDecorator & ClassDecorator {
  const list = schemes.length > 0 ? schemes : (['bearer', 'apiKey', 'session'] as Scheme[]);
  return applyDecorators(
    ...list.map((scheme) =>
      scheme === 'bearer'
        ? ApiBearerAuth(SECURITY_SCHEMES.bearer)
        : scheme === 'apiKey'
          ? ApiSecurity(SECURITY_SCHEMES.apiKey)
          : ApiCookieAuth(SECURITY_SCHEMES.session),
    ),
    ApiUnauthorizedResponse({ description: 'No valid credential' }),
    ApiForbiddenResponse({ description: 'The credential lacks a permission, or CSRF failed' }),
  );
}

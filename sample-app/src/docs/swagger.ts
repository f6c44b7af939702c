import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { SECURITY_SCHEMES } from './api-security.decorator.js';

/** The session cookie's base name; with the host prefix the browser sees `__Host-sample.sid`. */
export const SESSION_COOKIE = 'sample.sid';

/**
 * Serves the OpenAPI document at `/docs-json` and Swagger UI at `/docs`, with the three
 * security schemes (bearer JWT, `X-API-Key` header, session cookie) that protected routes list.
 */
export function setupSwagger(app: INestApplication, secureCookie = true): void {
  const cookieName = secureCookie ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('nestjs-gatehouse sample app')
      .setDescription(
        'A small service on nestjs-gatehouse: JWT, API keys and cookie sessions behind one guard.',
      )
      .setVersion('1.0')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        SECURITY_SCHEMES.bearer,
      )
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, SECURITY_SCHEMES.apiKey)
      .addCookieAuth(cookieName, { type: 'apiKey', in: 'cookie' }, SECURITY_SCHEMES.session)
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createAuthDocument } from 'nestjs-gatehouse/swagger';

/**
 * Serves the OpenAPI document at `/docs-json` and Swagger UI at `/docs`. The security schemes,
 * each route's accepted credentials and its 401/403 answers come from the library, derived from
 * the configured backends and the routes' `@Public`/`@Auth`/`@HasPermission`: nothing on the
 * routes repeats them for the document.
 */
export function setupSwagger(app: INestApplication): void {
  const document = createAuthDocument(
    app,
    new DocumentBuilder()
      .setTitle('nestjs-gatehouse sample app')
      .setDescription(
        'A small service on nestjs-gatehouse: JWT, API keys and cookie sessions behind one guard.',
      )
      .setVersion('1.0')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

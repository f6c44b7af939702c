import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
} from '@nestjs/swagger';
import { createAuthDocument } from 'nestjs-gatehouse/swagger';
import { PERSON_ONLY_EXTENSION, personSchemes } from '../common/person-only.js';

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
  narrowToPersons(document, personSchemes(app));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/**
 * The library lists every backend a route lets authenticate; on a `@PersonOnly()` route the app's
 * guard then refuses all but a person's, so only their schemes stay listed.
 */
function narrowToPersons(document: OpenAPIObject, allowed: ReadonlySet<string>): void {
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem as Record<string, unknown>)) {
      const op = operation as OperationObject & Record<string, unknown>;
      if (op?.[PERSON_ONLY_EXTENSION] !== true) continue;
      op.security = op.security?.filter((requirement) =>
        Object.keys(requirement).every((name) => allowed.has(name)),
      );
    }
  }
}

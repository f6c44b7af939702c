/**
 * nestjs-gatehouse/swagger: the OpenAPI document of an application, with the security the guard
 * enforces. A separate entry point, so applications without `@nestjs/swagger` never load it.
 *
 * @example
 * import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
 *
 * const app = await NestFactory.create(AppModule);
 * const document = createAuthDocument(app, new DocumentBuilder().setTitle('API').build());
 * SwaggerModule.setup('docs', app, document);
 */
export { createAuthDocument } from './swagger/auth-document.js';
export type { SecuritySchemeDescription, SecuritySchemes } from './core/security-scheme.js';

import type { INestApplication, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import {
  DECORATORS,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type ResponseObject,
  type SecurityRequirementObject,
  type SecuritySchemeObject,
  type SwaggerDocumentOptions,
} from '@nestjs/swagger';
import type { AuthBackend } from '../core/auth-backend.js';
import { AuthConfigurationError } from '../core/auth-error.js';
import { AUTH_BACKENDS } from '../core/injection-tokens.js';
import type { SecuritySchemeDescription } from '../core/security-scheme.js';
import type { PermissionRequirement } from '../permissions/permission-requirement.js';
import { RoutePolicies, type RoutePolicy } from '../routes/route-policy.js';

const OPERATION_METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
  'search',
  'query',
] as const;
const SAFE_METHODS = new Set(['get', 'head', 'options', 'trace', 'search', 'query']);
// Components keys must match this (OpenAPI 3.1 §4.8.7.1).
const COMPONENT_KEY = /^[A-Za-z0-9._-]{1,128}$/;
// Requirement names the markers below use. No real scheme can be named like this: a space is
// not allowed in a components key.
const CONTROLLER_MARK = 'gatehouse controller';
const HANDLER_MARK = 'gatehouse handler';

/** One controller route, as the guard sees it. */
interface Route {
  readonly controller: Type<unknown>;
  readonly handler: object;
}

/**
 * Builds the OpenAPI document of `app`, as `SwaggerModule.createDocument(app, config, options)`
 * does, and adds what the guard enforces, derived from the configured backends and each route's
 * policy, with no decorator on the routes:
 *
 * - `components.securitySchemes`: every scheme the backends describe (`AuthBackend.describeSecurity`):
 *   bearer for JWT, an `apiKey` header for API keys, an `apiKey` cookie for sessions, and whatever
 *   your own backends describe. A scheme of the same name in `config` is kept as you wrote it.
 * - each operation's `security`: `[]` on a `@Public()` route; otherwise one alternative per
 *   scheme of each backend the route accepts (its `@Auth(…)` backends, or all of them).
 * - a 401 response on every protected operation (with its `WWW-Authenticate` challenge), and a
 *   403 where one can happen: required permissions, a fresh credential, or a cookie credential on
 *   an unsafe method (CSRF). Responses you documented yourself are kept.
 * - the required permissions and freshness, appended to the operation's description.
 *
 * Call it where `SwaggerModule.createDocument` would be called: once the application is created.
 *
 * @example
 * import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
 *
 * const app = await NestFactory.create(AppModule);
 * const document = createAuthDocument(app, new DocumentBuilder().setTitle('API').build());
 * SwaggerModule.setup('docs', app, document);
 */
export function createAuthDocument(
  app: INestApplication,
  config: Omit<OpenAPIObject, 'paths'>,
  options?: SwaggerDocumentOptions,
): OpenAPIObject {
  const policies = lookUp(app, RoutePolicies);
  const backends = lookUp<AuthBackend[]>(app, AUTH_BACKENDS);
  const schemes = schemesOf(backends);
  const routes = controllerRoutes(app);

  // Swagger builds every operation from metadata and says nothing of the controller or handler
  // it came from. A marker requirement on each controller and handler, present only while the
  // document is built, carries them into the operation; it is then replaced by the real one.
  const restore = routes.controllers.map((controller, index) =>
    mark(controller, CONTROLLER_MARK, index),
  );
  routes.handlers.forEach((handler, index) => restore.push(mark(handler, HANDLER_MARK, index)));
  let document: OpenAPIObject;
  try {
    document = SwaggerModule.createDocument(app, config, options);
  } finally {
    for (const undo of restore.reverse()) undo();
  }

  const components = (document.components ??= {});
  const declared = (components.securitySchemes ??= {});
  for (const [key, scheme] of schemes) declared[key] ??= { ...scheme } as SecuritySchemeObject;

  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const method of OPERATION_METHODS) {
      const operation = (pathItem as Record<string, OperationObject | undefined>)[method];
      const route = operation && takeMarks(operation, routes);
      if (!operation || !route) continue;
      const policy = policies.resolve(route.controller, route.handler);
      describeOperation(operation, method, policy, schemes);
    }
  }
  return document;
}

function lookUp<T>(app: INestApplication, token: Type<T> | symbol): T {
  try {
    return app.get<T>(token as Type<T>, { strict: false });
  } catch {
    throw new AuthConfigurationError(
      'createAuthDocument(app)',
      'found no AuthModule in the application',
      'import AuthModule.forRoot(...) in the application module, and pass the application itself',
    );
  }
}

/** Every scheme of every backend, by key; two backends may not claim one key. */
function schemesOf(backends: readonly AuthBackend[]): Map<string, SecuritySchemeDescription> {
  const all = new Map<string, SecuritySchemeDescription>();
  const owner = new Map<string, string>();
  for (const backend of backends) {
    for (const [key, scheme] of Object.entries(backend.describeSecurity())) {
      if (!COMPONENT_KEY.test(key)) {
        throw new AuthConfigurationError(
          `${backend.name}.describeSecurity()`,
          `names a scheme "${key}", which is not a valid OpenAPI components key`,
          'use letters, digits, ".", "_" or "-" (override describeSecurity() to rename it)',
        );
      }
      const first = owner.get(key);
      if (first !== undefined) {
        throw new AuthConfigurationError(
          `${backend.name}.describeSecurity()`,
          `names a scheme "${key}", which backend "${first}" names too`,
          'give each backend its own scheme names (override describeSecurity())',
        );
      }
      owner.set(key, backend.name);
      all.set(key, scheme);
    }
  }
  return all;
}

/** The controllers and route handlers of the application, each listed once. */
function controllerRoutes(app: INestApplication): {
  controllers: Type<unknown>[];
  handlers: object[];
} {
  const discovery = app.get(DiscoveryService, { strict: false });
  const scanner = new MetadataScanner();
  const controllers: Type<unknown>[] = [];
  const handlers = new Set<object>();
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as object | undefined;
    const controller = wrapper.metatype as Type<unknown> | undefined;
    if (!instance || !controller || controllers.includes(controller)) continue;
    controllers.push(controller);
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (
        typeof handler === 'function' &&
        Reflect.getMetadata(PATH_METADATA, handler) !== undefined &&
        Reflect.getMetadata(METHOD_METADATA, handler) !== undefined
      ) {
        handlers.add(handler);
      }
    }
  }
  return { controllers, handlers: [...handlers] };
}

/** Adds a marker requirement to `target`'s own Swagger security; returns how to undo it. */
function mark(target: object, name: string, index: number): () => void {
  const hadOwn = Reflect.hasOwnMetadata(DECORATORS.API_SECURITY, target);
  const own = Reflect.getOwnMetadata(DECORATORS.API_SECURITY, target) as unknown;
  // The inherited requirements stay visible below the marker, as they were without it.
  const current = (Reflect.getMetadata(DECORATORS.API_SECURITY, target) as unknown[]) ?? [];
  Reflect.defineMetadata(
    DECORATORS.API_SECURITY,
    [{ [name]: [String(index)] }, ...current],
    target,
  );
  return () => {
    if (hadOwn) Reflect.defineMetadata(DECORATORS.API_SECURITY, own, target);
    else Reflect.deleteMetadata(DECORATORS.API_SECURITY, target);
  };
}

/** Removes the markers from `operation` and returns the route they name. */
function takeMarks(
  operation: OperationObject,
  routes: { controllers: Type<unknown>[]; handlers: object[] },
): Route | undefined {
  let controller: Type<unknown> | undefined;
  let handler: object | undefined;
  const rest: SecurityRequirementObject[] = [];
  for (const requirement of operation.security ?? []) {
    const c = requirement[CONTROLLER_MARK];
    const h = requirement[HANDLER_MARK];
    if (c) controller = routes.controllers[Number(c[0])];
    else if (h) handler = routes.handlers[Number(h[0])];
    else rest.push(requirement);
  }
  if (rest.length > 0) operation.security = rest;
  else delete operation.security;
  return controller && handler ? { controller, handler } : undefined;
}

function describeOperation(
  operation: OperationObject,
  method: string,
  policy: RoutePolicy,
  schemes: ReadonlyMap<string, SecuritySchemeDescription>,
): void {
  if (policy.public) {
    // Explicitly none, so a document-wide requirement does not claim the route needs one.
    operation.security = [];
    return;
  }
  const alternatives: string[] = [];
  for (const backend of policy.candidates) {
    for (const key of Object.keys(backend.describeSecurity())) alternatives.push(key);
  }
  if (alternatives.length > 0) operation.security = alternatives.map((key) => ({ [key]: [] }));

  const cookieCredential = alternatives.some((key) => {
    const scheme = schemes.get(key);
    return scheme?.type === 'apiKey' && scheme.in === 'cookie';
  });
  const mayForbid =
    policy.requirements.length > 0 ||
    policy.fresh ||
    (cookieCredential && !SAFE_METHODS.has(method));

  const responses = operation.responses;
  responses['401'] ??= refusal(
    'Unauthorized: no valid credential, or none the route accepts.',
    401,
    'Unauthorized',
    policy.challenge,
  );
  if (mayForbid) {
    responses['403'] ??= refusal(forbiddenReasons(policy, cookieCredential), 403, 'Forbidden');
  }

  const notes = [...policy.requirements.map(describeRequirement)];
  if (policy.fresh) notes.push(describeFreshness(policy.freshWithinMs));
  if (notes.length > 0) {
    operation.description = [operation.description, notes.join(' ')]
      .filter((part) => part !== undefined && part !== '')
      .join('\n\n');
  }
}

function refusal(
  description: string,
  status: number,
  message: string,
  challenge?: string,
): ResponseObject {
  const response: ResponseObject = {
    description,
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: {
            statusCode: { type: 'integer', example: status },
            message: { type: 'string', example: message },
          },
          required: ['statusCode', 'message'],
        },
      },
    },
  };
  // A route whose backends have no scheme to name answers its 401 without a challenge.
  if (challenge) {
    response.headers = {
      'WWW-Authenticate': {
        description: 'The schemes the route accepts.',
        schema: { type: 'string', example: challenge },
      },
    };
  }
  return response;
}

function forbiddenReasons(policy: RoutePolicy, cookieCredential: boolean): string {
  const reasons: string[] = [];
  if (policy.requirements.length > 0) reasons.push('the caller lacks a required permission');
  if (policy.fresh) reasons.push('the credential is not fresh');
  if (cookieCredential) reasons.push('a cookie credential came without its CSRF token');
  return `Forbidden: ${reasons.join(', or ')}.`;
}

function describeRequirement(requirement: PermissionRequirement): string {
  const names = requirement.permissions.map((p) => `\`${p}\``);
  if (names.length === 1) return `Requires the permission ${names[0]}.`;
  return requirement.mode === 'all'
    ? `Requires all of the permissions ${names.join(', ')}.`
    : `Requires one of the permissions ${names.join(', ')}.`;
}

function describeFreshness(withinMs: number | undefined): string {
  const age = withinMs === undefined ? '' : `, at most ${withinMs / 1000} seconds old`;
  return `Requires a fresh credential (straight from a login, not from a refresh${age}).`;
}

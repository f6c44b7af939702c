import { createRequire } from 'node:module';
import {
  Catch,
  Injectable,
  type ExceptionFilter,
  type ExecutionContext,
  type Provider,
} from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { GraphQLError, GraphQLErrorOptions, GraphQLResolveInfo } from 'graphql';
import { AuthUnavailableError, type AuthError } from '../core/auth-error.js';
import type { AuthRejection } from '../core/auth-reason.js';
import { VIEWED_REQUEST, type AuthInfo, type AuthRequest } from '../core/auth-request.js';
import { AuthTransport } from './auth-transport.js';
import { putClassFilter } from './class-filters.js';
import {
  callView,
  CLOSE_FORBIDDEN,
  CLOSE_UNAUTHORIZED,
  closeLater,
  connectionOf,
  type Connection,
} from './connection.js';
import { attachView, attachedView, DECIDED } from './request-views.js';

/**
 * Where the library's Mercurius subscription context keeps its connection (see `GraphQLAuth`).
 * A symbol, so no field of the application's context can collide with it.
 */
export const MERCURIUS_CONNECTION = Symbol.for('nestjs-gatehouse:graphql-connection');

/** The `extensions.code` of each refusal, as GraphQL servers and clients spell them. */
const CODES: Readonly<Record<number, string>> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  503: 'SERVICE_UNAVAILABLE',
};

// Content types an HTML form can send without a CORS preflight (the Fetch standard's CORS-safe
// list): a GraphQL request with one of them may come from any page on the web.
const FORM_TYPES = new Set([
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
]);

const REJECTION = Symbol('gatehouse:graphql-rejection');
/** Marks the `GraphQLError`s {@link GraphQLTransport.refuse} makes. */
const REFUSAL = Symbol('gatehouse:graphql-refusal');
const SUBSCRIPTION = Symbol('gatehouse:graphql-connection');

interface GraphQLView extends AuthRequest {
  [REJECTION]?: AuthRejection;
  [SUBSCRIPTION]?: Connection;
}

type GraphQLErrorClass = new (message: string, options?: GraphQLErrorOptions) => GraphQLError;

/**
 * The `graphql` context type: queries, mutations, subscriptions and field resolvers, on Apollo
 * and Mercurius. Internal.
 *
 * Over HTTP the view is the HTTP request of the operation (so JWT, API keys and sessions work
 * unchanged), seen through an object of its own that names the operation and presents a query
 * as a read (`GET`) and a mutation as a write (`POST`): cookie credentials need the CSRF token
 * for mutations, as for REST writes. A mutation sent by GET, and any operation sent with a
 * content type an HTML form can send, is refused whatever the resolver's policy. Over graphql-ws it
 * is the connection's view, authenticated at `connection_init`. One view serves every field of
 * an operation, and the guard authenticates it once.
 *
 * Refusals are `GraphQLError`s with `extensions.code` `UNAUTHENTICATED`, `FORBIDDEN` or
 * `SERVICE_UNAVAILABLE`, the generic message and no stack; a refused subscription also closes
 * its connection (4401, or 4403).
 */
@Injectable()
export class GraphQLTransport extends AuthTransport {
  readonly type = 'graphql';
  private errorClass: GraphQLErrorClass | undefined;

  /**
   * Loads `GraphQLError` from the application's `graphql` package. Called at bootstrap when
   * the application has resolvers, so an application without GraphQL never loads it.
   */
  load(): void {
    // Resolved as Node resolves the drivers' own `import 'graphql'` (its CommonJS entry), so the
    // class is theirs: a GraphQLError of another copy would not be recognised and be wrapped.
    this.errorClass ??= (
      createRequire(import.meta.url)('graphql') as { GraphQLError: GraphQLErrorClass }
    ).GraphQLError;
  }

  request(context: ExecutionContext): AuthRequest {
    // Every field of an operation shares the view of its first.
    const existing = attachedView(context);
    if (existing !== undefined) return existing;
    const view = this.build(
      context.getArgByIndex<Record<string | symbol, unknown> | undefined>(2),
      context.getArgByIndex<GraphQLResolveInfo | undefined>(3),
    );
    attachView(context, view);
    return view;
  }

  override reject(request: AuthRequest): AuthRejection | null {
    return (request as GraphQLView)[REJECTION] ?? null;
  }

  override refuse(context: ExecutionContext, error: AuthError): unknown {
    const view = attachedView(context) as GraphQLView | undefined;
    const info = context.getArgByIndex<GraphQLResolveInfo | undefined>(3);
    const status = error.getStatus();
    const connection = view?.[SUBSCRIPTION];
    if (connection !== undefined && info?.operation.operation === 'subscription') {
      if (status === 401) closeLater(connection, CLOSE_UNAUTHORIZED, 'Unauthorized');
      else if (status === 403) closeLater(connection, CLOSE_FORBIDDEN, 'Forbidden');
    }
    const GraphQLErrorClass = this.errorClass;
    if (GraphQLErrorClass === undefined) return error;
    const refusal = new GraphQLErrorClass(error.message, {
      path: info ? pathOf(info.path) : undefined,
      extensions: { code: CODES[status] ?? 'INTERNAL_SERVER_ERROR' },
    });
    // A refusal is an answer, not a fault: no stack for a server to print into the response,
    // and no ERROR line from Nest (see GraphQLRefusalFilter).
    Object.defineProperty(refusal, 'stack', { value: undefined });
    Object.defineProperty(refusal, REFUSAL, { value: true });
    return refusal;
  }

  private build(
    gqlContext: Record<string | symbol, unknown> | undefined,
    info: GraphQLResolveInfo | undefined,
  ): GraphQLView {
    if (!gqlContext || !info) throw unsupported('no GraphQL context');
    const operation = `${info.operation.operation} ${info.operation.name?.value ?? '(anonymous)'}`;
    const connection = subscriptionConnection(gqlContext);
    if (connection !== undefined) {
      if (connection === null) {
        throw unsupported('a graphql-ws operation without GraphQLAuth: use its driver options');
      }
      const view: GraphQLView = callView(connection.view, operation);
      view[SUBSCRIPTION] = connection;
      return view;
    }
    const request = httpRequestOf(gqlContext);
    if (request === undefined) throw unsupported('no HTTP request in the GraphQL context');
    const view: GraphQLView = new OperationView(
      request,
      info.operation.operation === 'mutation' ? 'POST' : 'GET',
      operation,
    );
    const rejection = httpRejection(request, info.operation.operation);
    if (rejection !== null) view[REJECTION] = rejection;
    return view;
  }
}

/** What `@Catch` matches for {@link GraphQLRefusalFilter}: a refusal, of any copy of `graphql`. */
class GraphQLRefusal {
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && REFUSAL in value;
  }
}

/**
 * Hands the library's GraphQL refusals to the driver as the resolver's result, which GraphQL
 * reports as the field's error, exactly as when thrown. Thrown past it, Nest's handler of
 * external contexts would log each one at ERROR with its stack (it spares only `HttpException`s),
 * though a refusal is an expected answer whose reason is in its event already. It catches
 * nothing else. {@link resolverRefusals} puts it on each resolver class.
 */
@Catch(GraphQLRefusal)
export class GraphQLRefusalFilter implements ExceptionFilter {
  catch(refusal: unknown): unknown {
    return refusal;
  }
}

/** DI token of the step that puts {@link GraphQLRefusalFilter} on every resolver. */
export const RESOLVER_REFUSALS = Symbol('gatehouse:resolver-refusals');

/**
 * Puts {@link GraphQLRefusalFilter} on every `@Resolver` class when the module is instantiated,
 * before the GraphQL module binds the resolvers. First in the class's filter list, which Nest
 * tries after the method's and the class's own filters: those keep their say (a global filter
 * comes after it, and no longer sees the library's refusals).
 */
export const resolverRefusals: Provider = {
  provide: RESOLVER_REFUSALS,
  inject: [ModulesContainer],
  useFactory: (modules: ModulesContainer) =>
    putClassFilter(
      modules,
      (type) =>
        Reflect.hasOwnMetadata(RESOLVER_NAME, type) || Reflect.hasOwnMetadata(RESOLVER_TYPE, type),
      new GraphQLRefusalFilter(),
    ),
};

/** `@nestjs/graphql`'s metadata keys of a resolver class. */
const RESOLVER_NAME = 'graphql:resolver_name';
const RESOLVER_TYPE = 'graphql:resolver_type';

/**
 * An operation sent over HTTP, as the backends see it: the HTTP request's headers, cookies, url
 * and address (and, through {@link VIEWED_REQUEST}, its session), with the operation's name and
 * the method of what it does: a query reads (`GET`), a mutation writes (`POST`), whatever the
 * HTTP method, so a cookie credential needs the CSRF token for mutations exactly as for REST
 * writes. A class of its own rather than `Object.create(request)`: a request used as a
 * prototype costs V8 a new hidden class per request, and every later property read of the view
 * turns slow.
 */
class OperationView implements GraphQLView {
  readonly transport = 'graphql';
  user: AuthRequest['user'] = undefined;
  auth: AuthRequest['auth'] = undefined;
  authInfo: AuthRequest['authInfo'] = undefined;
  [REJECTION]: AuthRejection | undefined = undefined;
  [DECIDED]: AuthInfo | undefined = undefined;
  readonly [VIEWED_REQUEST]: AuthRequest;

  constructor(
    request: AuthRequest,
    readonly method: string,
    readonly operation: string,
  ) {
    this[VIEWED_REQUEST] = request;
  }

  get headers(): AuthRequest['headers'] {
    return this[VIEWED_REQUEST].headers;
  }
  get url(): string {
    return this[VIEWED_REQUEST].url;
  }
  get ip(): string | undefined {
    return this[VIEWED_REQUEST].ip;
  }
  get cookies(): AuthRequest['cookies'] {
    return this[VIEWED_REQUEST].cookies;
  }
  get body(): unknown {
    return this[VIEWED_REQUEST].body;
  }
  get query(): unknown {
    return this[VIEWED_REQUEST].query;
  }
  /** Express's, or Fastify's raw request's: the API-key backend counts repeated headers. */
  get rawHeaders(): string[] | undefined {
    const request = this[VIEWED_REQUEST] as {
      rawHeaders?: string[];
      raw?: { rawHeaders?: string[] };
    };
    return request.rawHeaders ?? request.raw?.rawHeaders;
  }
}

/**
 * The connection of an operation sent over a WebSocket: `undefined` for HTTP, `null` for a
 * WebSocket the library's hooks did not see open.
 */
function subscriptionConnection(
  gqlContext: Record<string | symbol, unknown>,
): Connection | null | undefined {
  // Mercurius: the library's subscription context puts the connection under its symbol, and
  // Mercurius marks every WebSocket context with `_connectionInit`.
  const mercurius = gqlContext[MERCURIUS_CONNECTION];
  if (mercurius !== undefined) return connectionOf(mercurius) ?? null;
  if (Object.hasOwn(gqlContext, '_connectionInit')) return null;
  // Apollo on graphql-ws: Nest puts graphql-ws's own context where the HTTP request would be.
  const req = gqlContext.req as { extra?: { socket?: unknown }; connectionInitReceived?: unknown };
  if (req && typeof req === 'object' && 'connectionInitReceived' in req) {
    return connectionOf(req) ?? null;
  }
  return undefined;
}

function httpRequestOf(gqlContext: Record<string | symbol, unknown>): AuthRequest | undefined {
  // Apollo (Express and Fastify) and Nest's Mercurius context: `req`; Mercurius itself: `reply`.
  if (hasHeaders(gqlContext.req)) return gqlContext.req;
  const fromReply = (gqlContext.reply as { request?: unknown } | undefined)?.request;
  return hasHeaders(fromReply) ? fromReply : undefined;
}

function hasHeaders(candidate: unknown): candidate is AuthRequest {
  const headers = (candidate as { headers?: unknown } | undefined)?.headers;
  return typeof headers === 'object' && headers !== null;
}

function httpRejection(request: AuthRequest, operationType: string): AuthRejection | null {
  if (operationType === 'mutation' && request.method.toUpperCase() === 'GET') {
    return { reason: 'GRAPHQL_MUTATION_OVER_GET' };
  }
  const contentType = request.headers['content-type'];
  // What GraphQL clients send: no form type starts so, and nothing needs splitting.
  if (typeof contentType === 'string' && !contentType.startsWith('application/json')) {
    const mediaType = contentType.split(';', 1)[0]!.trim().toLowerCase();
    if (FORM_TYPES.has(mediaType)) {
      return { reason: 'CSRF_FORM_CONTENT_TYPE', detail: `content type "${mediaType}"` };
    }
  }
  return null;
}

function pathOf(path: GraphQLResolveInfo['path']): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let at: GraphQLResolveInfo['path'] | undefined = path; at; at = at.prev)
    keys.unshift(at.key);
  return keys;
}

function unsupported(detail: string): AuthUnavailableError {
  return new AuthUnavailableError('CONTEXT_UNSUPPORTED', { detail: `graphql: ${detail}` });
}

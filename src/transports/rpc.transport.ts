import { Injectable, type ExecutionContext } from '@nestjs/common';
import type { AuthError } from '../core/auth-error.js';
import type { AuthRequest } from '../core/auth-request.js';
import { AuthTransport } from './auth-transport.js';
import { carriedHeaders } from './connection.js';
import { attachView, attachedView } from './request-views.js';
import { TransportSettings } from './transport-settings.js';

/** Metadata key of `@MessagePattern`/`@EventPattern` (`@nestjs/microservices`' own). */
export const PATTERN_METADATA = 'microservices:pattern';

type RpcExceptionClass = new (error: object) => Error;

/**
 * Adds the credential envelope to the data of a microservice message, for transports without
 * headers (TCP, Redis): the guard of the receiving service reads it from the field named by
 * `rpc.credentialField` (default `$auth`) and takes it off before any pipe or handler runs.
 * Header names are those of HTTP: `authorization`, `x-api-key`…
 *
 * @example
 * import type { ClientProxy } from '@nestjs/microservices';
 *
 * @Controller()
 * export class ReportsClient {
 *   constructor(@Inject('REPORTS') private readonly client: ClientProxy) {}
 *
 *   @Get('remote-count')
 *   count(@Headers('authorization') authorization: string) {
 *     return this.client.send('reports.count', withCredentials({}, { authorization }));
 *   }
 * }
 */
export function withCredentials<T extends object>(
  data: T,
  credentials: Readonly<Record<string, string>>,
  field = '$auth',
): T & Record<string, Readonly<Record<string, string>>> {
  return { ...data, [field]: credentials };
}

/**
 * The `rpc` context type: `@MessagePattern` and `@EventPattern` handlers. The view's headers
 * come from the transport's metadata where it has some (gRPC metadata, NATS headers), else from
 * the message's credential envelope (see {@link withCredentials}); there are no cookies.
 * Refusals are `RpcException`s with `{ status, message }`. Internal.
 */
@Injectable()
export class RpcTransport extends AuthTransport {
  readonly type = 'rpc';
  private exceptionClass: RpcExceptionClass | undefined;
  private readonly patterns = new WeakMap<object, string>();

  constructor(private readonly settings: TransportSettings) {
    super();
  }

  /**
   * Loads `RpcException` from the application's `@nestjs/microservices`. Called at bootstrap
   * when the application has message handlers.
   */
  async load(): Promise<void> {
    this.exceptionClass ??= (await import('@nestjs/microservices')).RpcException;
  }

  request(context: ExecutionContext): AuthRequest {
    // A handler may be guarded twice (the global guard of a hybrid app that inherits it, and
    // the handler's own): both times it is one message, with one view.
    const existing = attachedView(context);
    if (existing !== undefined) return existing;
    const pattern = this.patternOf(context.getHandler());
    const view: AuthRequest = {
      headers: this.headersOf(context.getArgs()),
      method: 'RPC',
      url: pattern,
      transport: 'rpc',
      operation: pattern,
    };
    attachView(context, view);
    return view;
  }

  override refuse(_context: ExecutionContext, error: AuthError): unknown {
    const RpcException = this.exceptionClass;
    if (RpcException === undefined) return error;
    return new RpcException({ status: error.getStatus(), message: error.message });
  }

  /** The message's credential headers; the envelope is taken off the data. */
  private headersOf(args: unknown[]): Record<string, string> {
    const metadata = transportMetadata(args);
    if (metadata !== undefined) return metadata;
    const data = args[0];
    if (typeof data !== 'object' || data === null) return {};
    const field = this.settings.rpcCredentialField;
    const envelope = (data as Record<string, unknown>)[field];
    if (envelope === undefined) return {};
    delete (data as Record<string, unknown>)[field];
    return carriedHeaders(envelope);
  }

  private patternOf(handler: object): string {
    let pattern = this.patterns.get(handler);
    if (pattern === undefined) {
      const patterns = Reflect.getMetadata(PATTERN_METADATA, handler) as unknown[] | undefined;
      const first = patterns?.[0];
      pattern = typeof first === 'string' ? first : JSON.stringify(first ?? null);
      this.patterns.set(handler, pattern);
    }
    return pattern;
  }
}

/**
 * The headers of transports that have them: gRPC `Metadata` (the second argument of a gRPC
 * handler) and NATS message headers (`NatsContext.getHeaders()`). `undefined` on the others.
 */
function transportMetadata(args: unknown[]): Record<string, string> | undefined {
  const second = args[1] as
    { getMap?: () => Record<string, unknown>; getHeaders?: () => unknown } | undefined;
  if (typeof second?.getMap === 'function') return carriedHeaders(second.getMap());
  if (typeof second?.getHeaders === 'function') {
    const headers = second.getHeaders() as
      { keys?: () => Iterable<string>; get?: (name: string) => unknown } | undefined;
    if (typeof headers?.keys !== 'function' || typeof headers.get !== 'function') return undefined;
    const entries: Record<string, unknown> = {};
    for (const name of headers.keys()) entries[name] = headers.get(name);
    return carriedHeaders(entries);
  }
  return undefined;
}

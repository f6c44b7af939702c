import { Inject, Injectable } from '@nestjs/common';
import { AuthConfigurationError } from '../core/auth-error.js';
import { AUTH_TRANSPORTS } from '../core/injection-tokens.js';
import type { AuthTransport } from './auth-transport.js';
import { GraphQLTransport } from './graphql.transport.js';
import { RpcTransport } from './rpc.transport.js';
import { WsTransport } from './ws.transport.js';

/**
 * The transports the guard knows, by context type: the library's `graphql`, `ws` and `rpc`, and
 * the application's own, which may replace them. `http` is the guard's own. Internal.
 */
@Injectable()
export class AuthTransports {
  private readonly byType = new Map<string, AuthTransport>();

  constructor(
    graphql: GraphQLTransport,
    ws: WsTransport,
    rpc: RpcTransport,
    @Inject(AUTH_TRANSPORTS) custom: readonly AuthTransport[],
  ) {
    for (const transport of [graphql, ws, rpc]) this.byType.set(transport.type, transport);
    custom.forEach((transport, index) => {
      const type: unknown = transport.type;
      if (typeof type !== 'string' || type === '' || type === 'http') {
        throw new AuthConfigurationError(
          `transports[${index}].type`,
          `"${String(type)}" is not a context type a transport can serve`,
          'name the type ExecutionContext.getType() returns for your context (http is built in)',
        );
      }
      this.byType.set(type, transport);
    });
  }

  /** The transport of context type `type`, or `undefined` when there is none. */
  get(type: string): AuthTransport | undefined {
    return this.byType.get(type);
  }

  /** Every context type the guard serves, `http` first. */
  get types(): string[] {
    return ['http', ...this.byType.keys()];
  }
}

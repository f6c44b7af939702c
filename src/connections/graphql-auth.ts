import type { IncomingMessage } from 'node:http';
import { Injectable } from '@nestjs/common';
import {
  CLOSE_FORBIDDEN,
  CLOSE_UNAUTHORIZED,
  connectionOf,
  flushClose,
} from '../transports/connection.js';
import { MERCURIUS_CONNECTION } from '../transports/graphql.transport.js';
import { ConnectionGate, type Admission } from './connection-gate.js';

/** The socket of a graphql-ws or Mercurius subscription connection, as far as the hooks use it. */
export interface SubscriptionSocket {
  close(code?: number, reason?: string): void;
}

/**
 * What graphql-ws hands its hooks (its `Context`), as far as they read it. With the `ws`
 * server (as Apollo's driver uses it) `extra` is `{ socket, request }`.
 */
export interface GraphQLWsHookContext {
  readonly connectionParams?: Readonly<Record<string, unknown>>;
  readonly extra: unknown;
}

/** graphql-ws's `extra` on the `ws` server. */
interface WsExtra {
  readonly socket: SubscriptionSocket;
  readonly request: IncomingMessage;
}

/** The graphql-ws server hooks `GraphQLAuth` adds (Apollo's `subscriptions['graphql-ws']`). */
export interface GraphQLWsAuthHooks {
  onConnect(context: GraphQLWsHookContext): Promise<boolean>;
  onComplete(context: GraphQLWsHookContext): void;
  onClose(context: GraphQLWsHookContext): void;
}

/** The options `GraphQLAuth.apollo()` returns, to spread into `ApolloDriverConfig`. */
export interface ApolloAuthOptions {
  readonly fieldResolverEnhancers: ['guards'];
  readonly subscriptions: { readonly 'graphql-ws': GraphQLWsAuthHooks };
}

/** What Mercurius hands a subscription's `context` function: the upgrade request. */
export interface MercuriusUpgradeRequest {
  readonly raw: IncomingMessage;
}

/** The Mercurius subscription options `GraphQLAuth` adds (`MercuriusDriverConfig.subscription`). */
export interface MercuriusSubscriptionAuth {
  context(socket: SubscriptionSocket, request: MercuriusUpgradeRequest): Record<symbol, object>;
  onConnect(data: { payload?: unknown }): Promise<boolean>;
  onDisconnect(context: object): void;
}

/** The options `GraphQLAuth.mercurius()` returns, to spread into `MercuriusDriverConfig`. */
export interface MercuriusAuthOptions {
  readonly fieldResolverEnhancers: ['guards'];
  readonly subscription: MercuriusSubscriptionAuth;
}

/** What the library keeps for one Mercurius connection, until `connection_init`. */
interface MercuriusConnectionKey {
  readonly socket: SubscriptionSocket;
  readonly request: MercuriusUpgradeRequest;
  closed?: () => void;
}

/**
 * The GraphQL driver options that put subscriptions and field resolvers behind the guard:
 * spread `apollo()` into the Apollo driver's options, or `mercurius()` into Mercurius's.
 *
 * - Field resolvers run the guard (`fieldResolverEnhancers: ['guards']`), so a protected
 *   `@ResolveField` is checked like a query; the start fails without it.
 * - A graphql-ws connection is authenticated at `connection_init`, from the payload
 *   (`{"Authorization": "Bearer …"}`, `{"X-API-Key": "…"}`) or the upgrade's session cookie
 *   (ignored when the upgrade came from another site). Without a valid credential it is closed
 *   with 4401 (4403 for a cross-site cookie), unless some subscription is `@Public()`. A
 *   subscription refused for a missing permission closes it with 4403.
 * - An open connection is checked again every `connections.recheckIntervalSeconds` and at once
 *   when its user's credentials are revoked in this process: it ends with 4401.
 *
 * `AuthModule` provides it; inject it into the GraphQL module's factory.
 *
 * @example
 * import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
 * import { GraphQLModule } from '@nestjs/graphql';
 *
 * export const graphql = GraphQLModule.forRootAsync<ApolloDriverConfig>({
 *   driver: ApolloDriver,
 *   inject: [GraphQLAuth],
 *   useFactory: (auth: GraphQLAuth) => ({ autoSchemaFile: true, ...auth.apollo() }),
 * });
 */
@Injectable()
export class GraphQLAuth {
  constructor(private readonly gate: ConnectionGate) {}

  /** Options for `ApolloDriver` (on Express or Fastify). */
  apollo(): ApolloAuthOptions {
    const closings = new WeakMap<object, () => void>();
    return {
      fieldResolverEnhancers: ['guards'],
      subscriptions: {
        'graphql-ws': {
          onConnect: async (context) => {
            const { socket, request } = context.extra as WsExtra;
            const admission = await this.admit(socket, request, context.connectionParams);
            if (admission === undefined) return false;
            const { closed } = this.gate.open(context, admission.admitted, admission.policy, {
              close: (code, reason) => socket.close(code, reason),
            });
            closings.set(context, closed);
            return true;
          },
          // graphql-ws calls it once a refused operation's result was sent: the close it asked
          // for may happen now.
          onComplete: (context) => {
            const connection = connectionOf(context);
            if (connection !== undefined) flushClose(connection);
          },
          onClose: (context) => closings.get(context)?.(),
        },
      },
    };
  }

  /** Options for `MercuriusDriver` (on Fastify). */
  mercurius(): MercuriusAuthOptions {
    // Mercurius hands `onConnect` only the message; the connection it belongs to is the hook's
    // `this` (Mercurius calls it as a method of the connection), whose context holds the key the
    // `context` function created for this connection.
    const gate = this.gate;
    const admit = this.admit.bind(this);
    return {
      fieldResolverEnhancers: ['guards'],
      subscription: {
        context: (socket, request) => ({
          [MERCURIUS_CONNECTION]: { socket, request } satisfies MercuriusConnectionKey,
        }),
        async onConnect(this: unknown, data) {
          const key = (this as { context?: Record<symbol, unknown> } | undefined)?.context?.[
            MERCURIUS_CONNECTION
          ] as MercuriusConnectionKey | undefined;
          if (key === undefined) return false;
          const admission = await admit(key.socket, key.request.raw, data.payload);
          if (admission === undefined) return false;
          key.closed = gate.open(key, admission.admitted, admission.policy, {
            close: (code, reason) => key.socket.close(code, reason),
          }).closed;
          return true;
        },
        onDisconnect: (context) => {
          const key = (context as Record<symbol, unknown>)[MERCURIUS_CONNECTION];
          (key as MercuriusConnectionKey | undefined)?.closed?.();
        },
      },
    };
  }

  /** Admits a connection at `connection_init`, or closes `socket` with the refusal's code. */
  private async admit(socket: SubscriptionSocket, request: IncomingMessage, payload: unknown) {
    const policy = this.gate.subscriptionPolicy();
    const admission = await this.gate.admit(request, policy, 'graphql', payload);
    if (!admission.admitted) {
      socket.close(closeCode(admission), admission.message);
      return undefined;
    }
    return { admitted: admission, policy };
  }
}

function closeCode(refusal: Extract<Admission, { admitted: false }>): number {
  if (refusal.status === 403) return CLOSE_FORBIDDEN;
  // 1013 Try Again Later: a store is down, nothing was decided about the credential.
  if (refusal.status === 503) return 1013;
  return CLOSE_UNAUTHORIZED;
}

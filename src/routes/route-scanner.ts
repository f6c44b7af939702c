import {
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type Type,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { AuthConfigurationError } from '../core/auth-error.js';
import { AuthTransports } from '../transports/auth-transports.js';
import { GraphQLTransport } from '../transports/graphql.transport.js';
import { RoutePolicies } from './route-policy.js';

// The metadata keys of @nestjs/graphql and @nestjs/websockets, read as plain strings so that an
// application without those packages loads none of them.
const RESOLVER_NAME = 'graphql:resolver_name';
const RESOLVER_TYPE = 'graphql:resolver_type';
const FIELD_RESOLVER = 'graphql:resolve_property';
const GRAPHQL_MODULE_OPTIONS = 'GqlModuleOptions';
const GATEWAY = 'websockets:is_gateway';
const MESSAGE_HANDLER = 'websockets:message_mapping';

/** What the scanner found, for the start-up line and the other bootstrap checks. */
export interface ScannedHandlers {
  readonly controllers: number;
  readonly resolvers: number;
  readonly gateways: readonly Type<unknown>[];
  /** Whether some `@Subscription()` is `@Public()`, so anonymous graphql-ws connections may open. */
  readonly publicSubscriptions: boolean;
}

/**
 * Resolves the policy of every handler when the application boots (controller routes and
 * message patterns, resolvers with their queries, mutations, subscriptions and field resolvers,
 * gateway message handlers), so that mistakes in `@Auth`/`@Public`/`@HasPermission` fail the
 * start instead of a request, and so the first call of a handler pays no metadata lookups.
 */
@Injectable()
export class AuthRouteScanner implements OnApplicationBootstrap {
  private static readonly logger = new Logger('Gatehouse');
  private found: ScannedHandlers | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly policies: RoutePolicies,
    private readonly transports: AuthTransports,
    private readonly graphql: GraphQLTransport,
    @Optional() private readonly moduleRef?: ModuleRef,
  ) {}

  /** What the scan found; the scan runs on first use. */
  get handlers(): ScannedHandlers {
    return (this.found ??= this.scan());
  }

  onApplicationBootstrap(): void {
    const found = this.handlers;
    if (found.resolvers > 0) this.graphql.load();
    AuthRouteScanner.logger.log(
      `guarding ${this.transports.types.join(', ')} contexts; a context of any other type is refused: to serve one, list an AuthTransport for it in AuthModule.forRoot({ transports })`,
    );
  }

  private scan(): ScannedHandlers {
    let controllers = 0;
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Type<unknown> | undefined;
      if (!wrapper.instance || !controller) continue;
      controllers++;
      this.eachMethod(Object.getPrototypeOf(wrapper.instance) as object, (_name, handler) =>
        this.policies.resolve(controller, handler),
      );
    }
    let resolvers = 0;
    let publicSubscriptions = false;
    const guardedFields: string[] = [];
    const gateways: Type<unknown>[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype as Type<unknown> | undefined;
      if (typeof type !== 'function' || typeof type.prototype !== 'object') continue;
      if (Reflect.getMetadata(GATEWAY, type) === true) {
        gateways.push(type);
        // The class's own policy decides the upgrade.
        this.policies.forClass(type);
        this.eachMethod(type.prototype as object, (_name, handler) => {
          if (Reflect.getMetadata(MESSAGE_HANDLER, handler) === true) {
            this.policies.resolve(type, handler);
          }
        });
      } else if (
        Reflect.hasOwnMetadata(RESOLVER_NAME, type) ||
        Reflect.hasOwnMetadata(RESOLVER_TYPE, type)
      ) {
        resolvers++;
        this.eachMethod(type.prototype as object, (name, handler) => {
          const kind = Reflect.getMetadata(RESOLVER_TYPE, handler) as unknown;
          const field = Reflect.getMetadata(FIELD_RESOLVER, handler) === true;
          if (kind === undefined && !field) return;
          const policy = this.policies.resolve(type, handler);
          if (kind === 'Subscription' && policy.public) publicSubscriptions = true;
          if (field && !policy.public) guardedFields.push(`${type.name}.${name}`);
        });
      }
    }
    if (guardedFields.length > 0) this.checkFieldGuards(guardedFields);
    return { controllers, resolvers, gateways, publicSubscriptions };
  }

  /**
   * A field resolver is protected by default like any handler, but Nest runs guards on field
   * resolvers only when the GraphQL module says so: without it the field would answer anyone.
   */
  private checkFieldGuards(fields: string[]): void {
    const options = this.graphqlOptions();
    if (options === undefined || options.fieldResolverEnhancers?.includes('guards')) return;
    throw new AuthConfigurationError(
      `@ResolveField on ${fields.join(', ')}`,
      'the field resolver is protected, but GraphQLModule does not run guards on field resolvers, so it would answer anyone',
      "add fieldResolverEnhancers: ['guards'] to the GraphQLModule options (GraphQLAuth's driver options include it), or mark the field resolver @Public()",
    );
  }

  private graphqlOptions(): { fieldResolverEnhancers?: readonly string[] } | undefined {
    try {
      return this.moduleRef?.get(GRAPHQL_MODULE_OPTIONS, { strict: false });
    } catch {
      return undefined;
    }
  }

  private eachMethod(prototype: object, visit: (name: string, handler: object) => unknown): void {
    for (const name of this.scanner.getAllMethodNames(prototype)) {
      const handler = (prototype as Record<string, unknown>)[name];
      if (typeof handler === 'function') visit(name, handler);
    }
  }
}

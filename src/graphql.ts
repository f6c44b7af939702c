/**
 * nestjs-gatehouse/graphql: the driver options that authenticate GraphQL subscriptions at
 * `connection_init` and run the guard on field resolvers. Queries and mutations over HTTP need
 * nothing from here: the global guard serves them as it serves controllers.
 */
export {
  GraphQLAuth,
  type ApolloAuthOptions,
  type GraphQLWsAuthHooks,
  type GraphQLWsHookContext,
  type MercuriusAuthOptions,
  type MercuriusSubscriptionAuth,
  type MercuriusUpgradeRequest,
  type SubscriptionSocket,
} from './connections/graphql-auth.js';

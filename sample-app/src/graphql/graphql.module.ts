import { Module } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { GraphQLAuth } from 'nestjs-gatehouse/graphql';

/**
 * GraphQL at `/graphql` on either adapter (Apollo), subscriptions over graphql-ws on the same
 * path. `GraphQLAuth` authenticates subscriptions at `connection_init` and runs the guard on
 * field resolvers; queries and mutations go through the global guard like any route.
 */
@Module({
  imports: [
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [GraphQLAuth],
      useFactory: (auth: GraphQLAuth) => ({
        path: '/graphql',
        autoSchemaFile: true,
        sortSchema: true,
        graphiql: false,
        // Apollo's own CSRF check would refuse plain GET queries; the guard refuses mutations by
        // GET, form posts and cookie mutations without the CSRF token instead.
        csrfPrevention: false,
        // No stack traces or library messages in any GraphQL error.
        includeStacktraceInErrorResponses: false,
        ...auth.apollo(),
      }),
    }),
  ],
})
export class AppGraphQLModule {}

import { Injectable, Module, UseGuards, type CanActivate } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import { SubscribeMessage, WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import { AuthGuard } from 'nestjs-gatehouse';
import { GraphQLAuth } from 'nestjs-gatehouse/graphql';
import { benchJwtAuth } from './gatehouse-core.js';

/** A guard that lets everything through: what running any guard costs Nest's resolver pipeline. */
@Injectable()
export class PassGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

/**
 * One resolver, two identical queries: `open` has no guard, `guarded` the library's. Both are
 * async, as resolvers that fetch anything are: a guard makes any resolver async (Nest awaits it),
 * and graphql-js completes a synchronous field on a much shorter path, which would be measured
 * instead of the guard.
 */
@Resolver()
export class BenchResolver {
  @Query(() => String)
  async open(): Promise<string> {
    return 'ok';
  }

  @UseGuards(AuthGuard)
  @Query(() => String)
  async guarded(): Promise<string> {
    return 'ok';
  }

  @UseGuards(PassGuard)
  @Query(() => String)
  async passed(): Promise<string> {
    return 'ok';
  }
}

/** A gateway whose first socket the bench keeps, to check its messages in-process. */
@WebSocketGateway({ path: '/bench' })
export class BenchGateway implements OnGatewayConnection {
  socket: unknown;

  handleConnection(socket: unknown): void {
    this.socket ??= socket;
  }

  @SubscribeMessage('ping')
  ping(): string {
    return 'pong';
  }
}

/** Apollo at `/graphql` with the library's driver options, on either adapter. */
const benchApollo = () =>
  GraphQLModule.forRootAsync<ApolloDriverConfig>({
    driver: ApolloDriver,
    inject: [GraphQLAuth],
    useFactory: (auth: GraphQLAuth) => ({
      autoSchemaFile: true,
      graphiql: false,
      ...auth.apollo(),
    }),
  });

/** The library for the in-process transport bench: JWT, Apollo and a gateway. */
@Module({
  imports: [benchJwtAuth(), benchApollo()],
  providers: [BenchResolver, BenchGateway, PassGuard],
})
export class TransportsBenchModule {}

/**
 * The HTTP bench's GraphQL application: the same resolver behind Apollo at `POST /graphql`
 * (Express, or Fastify through Apollo's Fastify integration). An application of its own, so
 * Apollo's request handling never runs on the other routes.
 */
@Module({
  imports: [benchJwtAuth(), benchApollo()],
  providers: [BenchResolver, PassGuard],
})
export class GraphQLAppModule {}

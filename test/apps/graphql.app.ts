import { Injectable, type Type } from '@nestjs/common';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import {
  Args,
  Field,
  GraphQLModule,
  ID,
  Mutation,
  ObjectType,
  Parent,
  Query,
  ResolveField,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import {
  Auth,
  CurrentAuth,
  CurrentUser,
  HasPermission,
  Public,
  type AuthInfo,
  type BaseUser,
} from 'nestjs-gatehouse';
import { GraphQLAuth } from 'nestjs-gatehouse/graphql';
import { transportApp, type TransportAppParts } from './transports.app.js';

@ObjectType()
export class Report {
  @Field(() => ID) id!: string;
  @Field() title!: string;
  @Field() author_id!: string;
}

@ObjectType()
export class Me {
  @Field() id!: string;
  @Field() auth!: string;
  @Field(() => [String]) permissions!: string[];
}

/** Reports, and the subscribers waiting for new ones. */
@Injectable()
export class ReportBoard {
  readonly reports: Report[] = [{ id: '1', title: 'first', author_id: 'alice' }];
  private readonly waiting = new Set<(report: Report) => void>();

  add(title: string, author: string): Report {
    const report = { id: String(this.reports.length + 1), title, author_id: author };
    this.reports.push(report);
    for (const notify of this.waiting) notify(report);
    return report;
  }

  /** An async iterator of the reports added from now on, as a subscription resolver returns. */
  created(): AsyncIterableIterator<{ reportCreated: Report }> {
    const queue: Report[] = [];
    let wake: (() => void) | undefined;
    const notify = (report: Report) => {
      queue.push(report);
      wake?.();
    };
    this.waiting.add(notify);
    const done = () => this.waiting.delete(notify);
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        return { value: { reportCreated: queue.shift()! }, done: false };
      },
      async return() {
        done();
        return { value: undefined, done: true };
      },
    };
  }

  /** How many subscribers are waiting. */
  get subscribers(): number {
    return this.waiting.size;
  }
}

@Resolver(() => Report)
export class ReportsResolver {
  constructor(private readonly board: ReportBoard) {}

  @Public()
  @Query(() => String)
  health(): string {
    return 'ok';
  }

  @Public()
  @Query(() => String)
  whoami(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo | undefined): string {
    return user.isAuthenticated ? `${user.identity} via ${auth?.backend}` : 'anonymous';
  }

  @Query(() => Me, { nullable: true })
  me(@CurrentUser() user: BaseUser, @CurrentAuth() auth: AuthInfo): Me {
    return { id: user.identity, auth: auth.backend, permissions: [...auth.permissions].sort() };
  }

  @HasPermission('reports:read')
  @Query(() => [Report], { nullable: true })
  reports(): Report[] {
    return this.board.reports;
  }

  /** A resolver with a bug: its error is the application's, and Nest logs it. */
  @Public()
  @Query(() => String, { nullable: true })
  broken(): string {
    throw new Error('a bug in the resolver');
  }

  @Auth('apikey')
  @Query(() => String, { nullable: true })
  keyOnly(@CurrentAuth() auth: AuthInfo): string {
    return auth.backend;
  }

  @HasPermission('reports:write')
  @Mutation(() => Report, { nullable: true })
  createReport(@Args('title') title: string, @CurrentUser() user: BaseUser): Report {
    return this.board.add(title, user.identity);
  }

  @Public()
  @Mutation(() => String)
  ping(): string {
    return 'pong';
  }

  @HasPermission('reports:read')
  @Subscription(() => Report, { nullable: true })
  reportCreated(): AsyncIterableIterator<{ reportCreated: Report }> {
    return this.board.created();
  }

  @ResolveField(() => String, { nullable: true })
  author(@Parent() report: Report, @CurrentUser() user: BaseUser): string {
    return `${report.author_id} (seen by ${user.identity})`;
  }

  @HasPermission('reports:delete')
  @ResolveField(() => String, { nullable: true })
  audit(@Parent() report: Report): string {
    return `audit of ${report.id}`;
  }
}

/** The GraphQL drivers, each with the HTTP adapters it supports. */
export const graphqlDrivers = [
  ['apollo', 'express'],
  ['apollo', 'fastify'],
  ['mercurius', 'fastify'],
] as const;
export type GraphQLDriverName = (typeof graphqlDrivers)[number][0];

/** The GraphQL module of a driver, with `GraphQLAuth`'s options and nothing else special. */
export function graphqlModule(driver: GraphQLDriverName) {
  return driver === 'apollo'
    ? GraphQLModule.forRootAsync<ApolloDriverConfig>({
        driver: ApolloDriver,
        inject: [GraphQLAuth],
        useFactory: (auth: GraphQLAuth) => ({
          autoSchemaFile: true,
          graphiql: false,
          // GET queries without a preflight header are allowed; the guard refuses form posts.
          csrfPrevention: false,
          ...auth.apollo(),
        }),
      })
    : GraphQLModule.forRootAsync<MercuriusDriverConfig>({
        driver: MercuriusDriver,
        inject: [GraphQLAuth],
        useFactory: (auth: GraphQLAuth) => ({
          autoSchemaFile: true,
          graphiql: false,
          ...auth.mercurius(),
        }),
      });
}

/** The GraphQL test app of `driver`. */
export function graphqlApp(
  driver: GraphQLDriverName,
  options?: TransportAppParts['options'],
): Type<unknown> {
  return transportApp({
    imports: [graphqlModule(driver)],
    providers: [ReportBoard, ReportsResolver],
    options,
  });
}

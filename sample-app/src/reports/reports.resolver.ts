import { BadRequestException } from '@nestjs/common';
import {
  Args,
  Field,
  ID,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Subscription,
} from '@nestjs/graphql';
import { CurrentAuth, CurrentUser, HasPermission, Public, type AuthInfo } from 'nestjs-gatehouse';
import { meView } from '../users/account.controller.js';
import type { AppUser } from '../users/app-user.js';
import { ReportFeed } from './report-feed.js';
import { ReportsRepository, type Report } from './reports.repository.js';

@ObjectType('Report')
class ReportType {
  @Field(() => ID) id!: number;
  @Field() title!: string;
  @Field() body!: string;
  @Field() author_id!: string;
  @Field() created_at!: string;
}

@ObjectType('Me')
class MeType {
  @Field() id!: string;
  @Field() username!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => [String]) roles!: string[];
  @Field(() => [String]) permissions!: string[];
  @Field() auth!: string;
}

/**
 * The GraphQL face of the reports and the caller's account, at `/graphql`. Every field is
 * protected by default, like every route; the guard refuses a field with `data` null for it and
 * `extensions.code` `UNAUTHENTICATED`, `FORBIDDEN` or `SERVICE_UNAVAILABLE`.
 */
@Resolver()
export class ReportsResolver {
  constructor(
    private readonly repository: ReportsRepository,
    private readonly feed: ReportFeed,
  ) {}

  @Public()
  @Query(() => String)
  health(): string {
    return 'ok';
  }

  @Query(() => MeType, { nullable: true })
  me(@CurrentUser() user: AppUser, @CurrentAuth() auth: AuthInfo): MeType {
    return meView(user, auth);
  }

  @HasPermission('reports:read')
  @Query(() => [ReportType], { nullable: true })
  reports(): Report[] {
    return this.repository.list();
  }

  @HasPermission('reports:write')
  @Mutation(() => ReportType, { nullable: true })
  createReport(
    @Args('title') title: string,
    @Args('body') body: string,
    @CurrentUser() user: AppUser,
  ): Report {
    // The same limits as CreateReportDto, whose checks run on REST bodies only.
    if (title.length < 1 || title.length > 200 || body.length < 1 || body.length > 10_000) {
      throw new BadRequestException();
    }
    return this.repository.create({ title, body, authorId: user.identity });
  }

  @HasPermission('reports:delete')
  @Mutation(() => Boolean)
  deleteReport(@Args('id', { type: () => ID }) id: string): boolean {
    return /^[1-9]\d{0,15}$/.test(id) && this.repository.delete(Number(id));
  }

  @HasPermission('reports:read')
  @Subscription(() => ReportType, { nullable: true })
  reportCreated(): AsyncIterableIterator<Record<'reportCreated', Report>> {
    return this.feed.subscribe('reportCreated');
  }
}

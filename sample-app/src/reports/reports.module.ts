import { Module } from '@nestjs/common';
import { ClockModule } from '../common/clock.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { ReportFeed } from './report-feed.js';
import { ReportsController } from './reports.controller.js';
import { ReportsGateway } from './reports.gateway.js';
import { ReportsRepository } from './reports.repository.js';
import { ReportsResolver } from './reports.resolver.js';

/**
 * Reports, guarded by the `reports:*` permissions, over REST (`/reports`), GraphQL (`/graphql`)
 * and WebSocket (`/ws`).
 */
@Module({
  imports: [DatabaseModule, ClockModule],
  controllers: [ReportsController],
  providers: [ReportsRepository, ReportFeed, ReportsResolver, ReportsGateway],
})
export class ReportsModule {}

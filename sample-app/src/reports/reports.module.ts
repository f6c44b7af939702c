import { Module } from '@nestjs/common';
import { ClockModule } from '../common/clock.module.js';
import { DatabaseModule } from '../database/database.module.js';
import { ReportsController } from './reports.controller.js';
import { ReportsRepository } from './reports.repository.js';

/** Reports, guarded by the `reports:*` permissions. */
@Module({
  imports: [DatabaseModule, ClockModule],
  controllers: [ReportsController],
  providers: [ReportsRepository],
})
export class ReportsModule {}

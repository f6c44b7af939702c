import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { LoginModule } from '../auth/login.module.js';
import { ClockModule } from '../common/clock.module.js';
import { UsersModule } from '../users/users.module.js';
import { AdminController } from './admin.controller.js';

/** User administration and the audit log, for holders of `users:manage`. */
@Module({
  imports: [UsersModule, AuditModule, LoginModule, ClockModule],
  controllers: [AdminController],
})
export class AdminModule {}

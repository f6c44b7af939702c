import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, HasPermission } from 'nestjs-gatehouse';
import { numericId } from '../common/id.js';
import type { AppUser } from '../users/app-user.js';
import { CreateReportDto } from './create-report.dto.js';
import { ReportsRepository, type Report } from './reports.repository.js';

/** Reports: read with `reports:read`, write with `reports:write`, delete with `reports:delete`. */
@ApiTags('reports')
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsRepository) {}

  @HasPermission('reports:read')
  @Get()
  list(): Report[] {
    return this.reports.list();
  }

  @HasPermission('reports:write')
  @Post()
  create(@Body() body: CreateReportDto, @CurrentUser() user: AppUser): Report {
    return this.reports.create({ title: body.title, body: body.body, authorId: user.identity });
  }

  @HasPermission('reports:delete')
  @ApiNotFoundResponse()
  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id') id: string): void {
    if (!this.reports.delete(numericId(id))) throw new NotFoundException();
  }
}

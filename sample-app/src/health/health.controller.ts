import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from 'nestjs-gatehouse';

/** Liveness, for load balancers and the README's first curl. */
@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }
}

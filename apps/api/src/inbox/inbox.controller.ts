import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../tokens';
import { inbox } from '../read/queries';
import { ApiCommonErrors } from '../pagination';
import { InboxView } from '../openapi/schemas';

/** Every decision waiting on a person, across runs (blocked phases, paused runs), oldest first. */
@ApiTags('inbox')
@ApiBearerAuth()
@ApiCommonErrors()
@Controller('v1/inbox')
export class InboxController {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'Blocked phases and paused runs that wait for a decision (waiver, budget, resume)' })
  @ApiOkResponse({ type: InboxView })
  async list() {
    return { items: await inbox(this.ds, 200) };
  }
}

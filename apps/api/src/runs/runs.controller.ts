import {
  Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, ParseUUIDPipe, Post, Query, Req, Res, BadRequestException, Headers,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import type { ObjectStore } from 'nats';

import { getArtifact, NatsResources } from '@ideamine/jetstream';
import { findRun, listPhases, listRunEvents, listRuns, listTasks, RunEntity } from '@ideamine/persistence';
import { EventPublisher, NATS } from '@ideamine/service-kit';
import { BUCKETS, deriveEventId, DOSSIER_CSP, uuidv7 } from '@ideamine/contracts';
import { DOSSIER_FORMATS, ExtendBudgetDto, ListRunsQuery, ReasonDto, RevokeWaiverDto, SubmitRunDto, WaiverDto } from './runs.dto';
import { toRunView } from './run-view';
import { EventPageQuery, PageQuery, withCursor } from '../insights/page.dto';
import { DATA_SOURCE } from '../tokens';

type AuthedRequest = Request & { apiKeyLabel?: string };
const IDEMPOTENCY_NAMESPACE = '01890000-0000-7000-8000-000000000000';
const uuid = new ParseUUIDPipe({ version: '7', exceptionFactory: () => new BadRequestException('run id must be a UUIDv7') });

/** Turns HTTP into commands (202) and serves the read models; never decides anything itself. */
@Controller('v1/runs')
export class RunsController {
  private os?: ObjectStore;

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(NATS) private readonly nats: NatsResources,
    private readonly publisher: EventPublisher,
  ) {}

  @Post()
  @HttpCode(202)
  async submit(@Body() body: SubmitRunDto, @Req() req: AuthedRequest, @Headers('idempotency-key') idemKey?: string) {
    if (idemKey !== undefined && !/^[A-Za-z0-9_.:-]{1,128}$/.test(idemKey)) throw new BadRequestException('Idempotency-Key must be 1-128 characters of letters, digits and _.:-');
    // With an Idempotency-Key the run id is derived from it: a retried POST names the same run.
    const runId = idemKey ? deriveEventId(IDEMPOTENCY_NAMESPACE, `${req.apiKeyLabel}:${idemKey}`) : uuidv7();
    await this.publisher.sendCommand('submit-run', runId, '_', {
      input: { idea: body.idea, targetUsers: body.targetUsers ?? [], constraints: body.constraints ?? [] },
      ...(body.budget ? { budget: { ...body.budget } } : {}),
      ...(body.configSet ? { configSet: body.configSet } : {}),
      requestedBy: req.apiKeyLabel ?? 'api',
    }, { id: runId });
    return { runId, status: 'pending', links: { self: `/v1/runs/${runId}` } };
  }

  @Get()
  async list(@Query() q: ListRunsQuery) {
    const page = await withCursor(() => listRuns(this.ds, { status: q.status, limit: q.limit ?? 50, cursor: q.cursor }));
    return { runs: page.items.map((r) => ({ runId: r.runId, status: r.status, idea: r.idea.slice(0, 200), createdAt: r.createdAt, updatedAt: r.updatedAt })), nextCursor: page.nextCursor };
  }

  private async findRun(id: string): Promise<RunEntity> {
    const run = await findRun(this.ds, id);
    if (!run) throw new NotFoundException(`run ${id} not found (a run just submitted appears within a second or two)`);
    return run;
  }

  @Get(':id')
  async get(@Param('id', uuid) id: string) {
    const run = await this.findRun(id);
    return toRunView(run, await listPhases(this.ds, id));
  }

  @Get(':id/tasks')
  async tasks(@Param('id', uuid) id: string, @Query() q: PageQuery) {
    await this.findRun(id);
    const page = await withCursor(() => listTasks(this.ds, id, { limit: q.limit ?? 500, cursor: q.cursor }));
    return { tasks: page.items, nextCursor: page.nextCursor };
  }

  /** The run's envelopes exactly as published (proto-events), paginated by stream sequence. */
  @Get(':id/events')
  async events(@Param('id', uuid) id: string, @Query() q: EventPageQuery) {
    await this.findRun(id);
    const page = await withCursor(() => listRunEvents(this.ds, id, { limit: q.limit ?? 500, cursor: q.cursor ?? q.after }));
    return { events: page.items, nextCursor: page.nextCursor };
  }

  private async command(name: 'cancel-run' | 'pause-run' | 'resume-run', id: string, body: ReasonDto, req: AuthedRequest) {
    await this.findRun(id);
    const cmd = await this.publisher.sendCommand(name, id, '_', { reason: body.reason ?? `${name} via API`, requestedBy: req.apiKeyLabel ?? 'api' });
    return { accepted: true, commandId: cmd.id };
  }

  @Post(':id/cancel') @HttpCode(202)
  cancel(@Param('id', uuid) id: string, @Body() body: ReasonDto, @Req() req: AuthedRequest) {
    return this.command('cancel-run', id, body, req);
  }

  @Post(':id/pause') @HttpCode(202)
  pause(@Param('id', uuid) id: string, @Body() body: ReasonDto, @Req() req: AuthedRequest) {
    return this.command('pause-run', id, body, req);
  }

  @Post(':id/resume') @HttpCode(202)
  resume(@Param('id', uuid) id: string, @Body() body: ReasonDto, @Req() req: AuthedRequest) {
    return this.command('resume-run', id, body, req);
  }

  @Post(':id/budget') @HttpCode(202)
  async extendBudget(@Param('id', uuid) id: string, @Body() body: ExtendBudgetDto, @Req() req: AuthedRequest) {
    await this.findRun(id);
    const add = { tokens: body.add.tokens ?? 0, usd: body.add.usd ?? 0, toolMinutes: body.add.toolMinutes ?? 0, wallclockMinutes: body.add.wallclockMinutes ?? 0 };
    if (Object.values(add).every((v) => v === 0)) throw new BadRequestException('add must raise at least one of tokens, usd, toolMinutes, wallclockMinutes');
    const cmd = await this.publisher.sendCommand('extend-budget', id, '_', { add, requestedBy: req.apiKeyLabel ?? 'api' });
    return { accepted: true, commandId: cmd.id };
  }

  @Post(':id/waivers') @HttpCode(202)
  async grantWaiver(@Param('id', uuid) id: string, @Body() body: WaiverDto, @Req() req: AuthedRequest) {
    await this.findRun(id);
    if (new Date(body.expiresAt) <= new Date()) throw new BadRequestException('expiresAt must be in the future');
    const cmd = await this.publisher.sendCommand('grant-waiver', id, body.phase, { ...body, requestedBy: req.apiKeyLabel ?? 'api' });
    return { accepted: true, commandId: cmd.id };
  }

  @Post(':id/waivers/revoke') @HttpCode(202)
  async revokeWaiver(@Param('id', uuid) id: string, @Body() body: RevokeWaiverDto, @Req() req: AuthedRequest) {
    await this.findRun(id);
    const cmd = await this.publisher.sendCommand('revoke-waiver', id, body.phase, { ...body, requestedBy: req.apiKeyLabel ?? 'api' });
    return { accepted: true, commandId: cmd.id };
  }

  @Post(':id/dossier') @HttpCode(202)
  async compileDossier(@Param('id', uuid) id: string, @Req() req: AuthedRequest) {
    await this.findRun(id);
    const cmd = await this.publisher.sendCommand('compile-dossier', id, '_', { requestedBy: req.apiKeyLabel ?? 'api' });
    return { accepted: true, commandId: cmd.id };
  }

  @Get(':id/dossier.:format')
  async dossier(@Param('id', uuid) id: string, @Param('format') format: string, @Res() res: Response) {
    if (!(DOSSIER_FORMATS as readonly string[]).includes(format)) throw new BadRequestException(`format must be one of ${DOSSIER_FORMATS.join(', ')}`);
    const run = await this.findRun(id);
    const ref = run.dossier?.[format];
    if (!ref) throw new NotFoundException(`run ${id} has no dossier yet (status ${run.status}); it is compiled when the run completes`);
    this.os ??= await this.nats.js.views.os(BUCKETS.artifacts);
    const body = await getArtifact(this.os, ref);
    res.setHeader('Content-Type', ref.contentType);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (format === 'html') res.setHeader('Content-Security-Policy', DOSSIER_CSP);
    if (format === 'pdf') res.setHeader('Content-Disposition', `attachment; filename="dossier-${id}.pdf"`);
    res.send(body);
  }
}

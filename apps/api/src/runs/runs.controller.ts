import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse, ApiBearerAuth, ApiConflictResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import type { ObjectStore } from 'nats';

import { getArtifact, NatsResources } from '@ideamine/jetstream';
import { PhaseEntity, RunEntity } from '@ideamine/persistence';
import { EventPublisher, NATS } from '@ideamine/service-kit';
import { BUCKETS, deriveEventId, DOSSIER_CSP, uuidv7 } from '@ideamine/contracts';
import { DOSSIER_FORMATS, ExtendBudgetDto, ListRunsQuery, ReasonDto, RevokeWaiverDto, SubmitRunDto, WaiverDto } from './runs.dto';
import { toRunView } from './run-view';
import { IdempotencyStore } from './idempotency';
import { DATA_SOURCE } from '../tokens';
import { ApiError, badRequest, notFound } from '../errors/api-error';
import { FINISHED_STATUSES, listRuns } from '../read/queries';
import { ApiCommonErrors, decodeCursor, encodeCursor, isRunKey, parseStreamSeq } from '../pagination';
import { Accepted, ErrorResponse, RunPage, RunView, Submitted } from '../openapi/schemas';

export type AuthedRequest = Request & { apiKeyLabel?: string };
const IDEMPOTENCY_NAMESPACE = '01890000-0000-7000-8000-000000000000';
export const runIdPipe = new ParseUUIDPipe({ version: '7', exceptionFactory: () => badRequest('run id must be a UUIDv7', [{ field: 'id', reason: 'not a UUIDv7' }]) });
export const RunIdParam = () => ApiParam({ name: 'id', description: 'run id (UUIDv7)', format: 'uuid' });

/** Turns HTTP into commands (202) and serves the read models; never decides anything itself. */
@ApiTags('runs')
@ApiBearerAuth()
@ApiCommonErrors()
@Controller('v1/runs')
export class RunsController {
  private os?: Promise<ObjectStore>;

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(NATS) private readonly nats: NatsResources,
    private readonly publisher: EventPublisher,
    private readonly idempotency: IdempotencyStore,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Submit an idea; returns the run id at once (the run appears within a second or two)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1-128 of [A-Za-z0-9_.:-]; a retried POST with the same key and body names the same run' })
  @ApiAcceptedResponse({ type: Submitted })
  @ApiUnprocessableEntityResponse({ type: ErrorResponse, description: 'the Idempotency-Key was used before with a different body' })
  async submit(@Body() body: SubmitRunDto, @Req() req: AuthedRequest) {
    // Read from req, not @Headers(): that would add a second, required header to the OpenAPI document.
    const idemKey = req.header('idempotency-key');
    if (idemKey !== undefined && !/^[A-Za-z0-9_.:-]{1,128}$/.test(idemKey)) {
      throw badRequest('Idempotency-Key must be 1-128 characters of letters, digits and _.:-', [{ field: 'Idempotency-Key', reason: 'bad characters or length' }]);
    }
    const client = req.apiKeyLabel ?? 'api';
    const payload = {
      input: { idea: body.idea, targetUsers: body.targetUsers ?? [], constraints: body.constraints ?? [] },
      ...(body.budget ? { budget: { ...body.budget } } : {}),
      ...(body.configSet ? { configSet: body.configSet } : {}),
      requestedBy: client,
    };
    // With an Idempotency-Key the run id is derived from it: a retried POST names the same run.
    const runId = idemKey ? deriveEventId(IDEMPOTENCY_NAMESPACE, `${client}:${idemKey}`) : uuidv7();
    const claim = idemKey ? await this.idempotency.claim(client, idemKey, runId, payload) : undefined;
    try {
      // Re-sent on a replay too: if the first attempt died between claiming and sending, this
      // completes it; otherwise JetStream's duplicate window or the planner drops the copy.
      await this.publisher.sendCommand('submit-run', runId, '_', payload, { id: runId });
    } catch (err) {
      if (claim && !claim.replayed) await claim.release();
      throw err;
    }
    return { runId, status: 'pending', replayed: claim?.replayed ?? false, links: { self: `/v1/runs/${runId}`, stream: `/v1/runs/${runId}/stream` } };
  }

  @Get()
  @ApiOperation({ summary: 'Runs, newest first, filtered by status, creation date and text; cursor-paginated' })
  @ApiOkResponse({ type: RunPage })
  async list(@Query() q: ListRunsQuery) {
    const limit = q.limit ?? 50;
    const after = decodeCursor('runs', q.cursor, isRunKey);
    const page = await listRuns(this.ds, { status: q.status, q: q.q, createdFrom: q.from, createdTo: q.to, limit, after });
    return {
      runs: page.rows.map((r) => ({ ...r, idea: r.idea.slice(0, 200), status: r.blocked ? 'blocked' : r.status, blocked: undefined })),
      nextCursor: encodeCursor('runs', page.next),
    };
  }

  /**
   * Read-your-position: a live view refetches when an event arrives, and the projector writes in
   * batches a moment later; without waiting, the view would show the state before the last event
   * and, if no event follows (a paused run), keep showing it. Bounded: a stalled projector only
   * delays the answer.
   */
  private async projectedPast(seq: number, maxWaitMs = 2000): Promise<void> {
    const end = Date.now() + maxWaitMs;
    for (;;) {
      const rows: { last_seq: string | null }[] = await this.ds.query(`SELECT min(last_seq) AS last_seq FROM rm.checkpoint WHERE projection = ANY($1::text[])`, [['runs', 'phases']]);
      if (Number(rows[0]?.last_seq ?? 0) >= seq || Date.now() >= end) return;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async findRun(id: string): Promise<RunEntity> {
    const run = await this.ds.getRepository(RunEntity).findOneBy({ runId: id });
    if (!run) throw notFound(`run ${id}`, 'a run just submitted appears within a second or two');
    return run;
  }

  /** Commands to a finished run would be accepted and ignored; say so instead (409). */
  private async findOpenRun(id: string, action: string): Promise<RunEntity> {
    const run = await this.findRun(id);
    if (FINISHED_STATUSES.includes(run.status)) {
      throw new ApiError('IM_RUN_FINISHED', `cannot ${action}: run ${id} is ${run.status}${run.reason ? ` (${run.reason})` : ''}`, { runId: id, status: run.status, reason: run.reason });
    }
    return run;
  }

  @Get(':id')
  @RunIdParam()
  @ApiOperation({ summary: 'A run with its phases (status, gate score, attempts, progress, usage)' })
  @ApiOkResponse({ type: RunView })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiQuery({ name: 'seenSeq', required: false, description: 'stream sequence of the last event the client saw (an SSE id): the answer waits, up to 2 s, until the read models include it' })
  async get(@Param('id', runIdPipe) id: string, @Query('seenSeq') seenSeq?: string) {
    const seen = parseStreamSeq('seenSeq', seenSeq);
    if (seen !== undefined) await this.projectedPast(seen);
    const run = await this.findRun(id);
    const phases = await this.ds.getRepository(PhaseEntity).findBy({ runId: id });
    return toRunView(run, phases);
  }

  private async command(name: 'cancel-run' | 'pause-run' | 'resume-run', id: string, body: ReasonDto, req: AuthedRequest) {
    const run = await this.findOpenRun(id, name.replace('-run', ''));
    if (name === 'pause-run' && run.status === 'paused') throw new ApiError('IM_CONFLICT', `run ${id} is already paused`, { status: run.status });
    const cmd = await this.publisher.sendCommand(name, id, '_', { reason: body.reason ?? `${name} via API`, requestedBy: req.apiKeyLabel ?? 'api' });
    return { accepted: true, commandId: cmd.id };
  }

  @Post(':id/cancel') @HttpCode(202) @RunIdParam()
  @ApiOperation({ summary: 'Cancel a run' }) @ApiAcceptedResponse({ type: Accepted })
  @ApiConflictResponse({ type: ErrorResponse, description: 'the run already finished' }) @ApiNotFoundResponse({ type: ErrorResponse })
  cancel(@Param('id', runIdPipe) id: string, @Body() body: ReasonDto, @Req() req: AuthedRequest) {
    return this.command('cancel-run', id, body, req);
  }

  @Post(':id/pause') @HttpCode(202) @RunIdParam()
  @ApiOperation({ summary: 'Pause a run (running tasks finish; nothing new starts)' }) @ApiAcceptedResponse({ type: Accepted })
  @ApiConflictResponse({ type: ErrorResponse, description: 'the run already finished or is paused' }) @ApiNotFoundResponse({ type: ErrorResponse })
  pause(@Param('id', runIdPipe) id: string, @Body() body: ReasonDto, @Req() req: AuthedRequest) {
    return this.command('pause-run', id, body, req);
  }

  @Post(':id/resume') @HttpCode(202) @RunIdParam()
  @ApiOperation({ summary: 'Resume a paused run' }) @ApiAcceptedResponse({ type: Accepted })
  @ApiConflictResponse({ type: ErrorResponse, description: 'the run already finished' }) @ApiNotFoundResponse({ type: ErrorResponse })
  resume(@Param('id', runIdPipe) id: string, @Body() body: ReasonDto, @Req() req: AuthedRequest) {
    return this.command('resume-run', id, body, req);
  }

  @Post(':id/budget') @HttpCode(202) @RunIdParam()
  @ApiOperation({ summary: 'Extend the run budget (resumes a run paused by an exhausted budget)' }) @ApiAcceptedResponse({ type: Accepted })
  @ApiConflictResponse({ type: ErrorResponse, description: 'the run already finished' }) @ApiNotFoundResponse({ type: ErrorResponse })
  async extendBudget(@Param('id', runIdPipe) id: string, @Body() body: ExtendBudgetDto, @Req() req: AuthedRequest) {
    const add = { tokens: body.add.tokens ?? 0, usd: body.add.usd ?? 0, toolMinutes: body.add.toolMinutes ?? 0, wallclockMinutes: body.add.wallclockMinutes ?? 0 };
    if (Object.values(add).every((v) => v === 0)) throw badRequest('add must raise at least one of tokens, usd, toolMinutes, wallclockMinutes', [{ field: 'add', reason: 'all zero' }]);
    await this.findOpenRun(id, 'extend the budget');
    const cmd = await this.publisher.sendCommand('extend-budget', id, '_', { add, requestedBy: req.apiKeyLabel ?? 'api' });
    return { accepted: true, commandId: cmd.id };
  }

  @Post(':id/waivers') @HttpCode(202) @RunIdParam()
  @ApiOperation({ summary: 'Grant a gate waiver for one guard of one phase until expiresAt' }) @ApiAcceptedResponse({ type: Accepted })
  @ApiConflictResponse({ type: ErrorResponse, description: 'the run already finished' }) @ApiNotFoundResponse({ type: ErrorResponse })
  async grantWaiver(@Param('id', runIdPipe) id: string, @Body() body: WaiverDto, @Req() req: AuthedRequest) {
    if (new Date(body.expiresAt) <= new Date()) throw badRequest('expiresAt must be in the future', [{ field: 'expiresAt', reason: 'in the past' }]);
    await this.findOpenRun(id, 'grant a waiver');
    const cmd = await this.publisher.sendCommand('grant-waiver', id, body.phase, { ...body, requestedBy: req.apiKeyLabel ?? 'api' });
    return { accepted: true, commandId: cmd.id };
  }

  @Post(':id/waivers/revoke') @HttpCode(202) @RunIdParam()
  @ApiOperation({ summary: 'Revoke a gate waiver' }) @ApiAcceptedResponse({ type: Accepted })
  @ApiConflictResponse({ type: ErrorResponse, description: 'the run already finished' }) @ApiNotFoundResponse({ type: ErrorResponse })
  async revokeWaiver(@Param('id', runIdPipe) id: string, @Body() body: RevokeWaiverDto, @Req() req: AuthedRequest) {
    await this.findOpenRun(id, 'revoke a waiver');
    const cmd = await this.publisher.sendCommand('revoke-waiver', id, body.phase, { ...body, requestedBy: req.apiKeyLabel ?? 'api' });
    return { accepted: true, commandId: cmd.id };
  }

  @Post(':id/dossier') @HttpCode(202) @RunIdParam()
  @ApiOperation({ summary: 'Compile (or recompile) the dossier now' }) @ApiAcceptedResponse({ type: Accepted }) @ApiNotFoundResponse({ type: ErrorResponse })
  async compileDossier(@Param('id', runIdPipe) id: string, @Req() req: AuthedRequest) {
    await this.findRun(id);
    const cmd = await this.publisher.sendCommand('compile-dossier', id, '_', { requestedBy: req.apiKeyLabel ?? 'api' });
    return { accepted: true, commandId: cmd.id };
  }

  @Get(':id/dossier.:format') @RunIdParam()
  @ApiParam({ name: 'format', enum: DOSSIER_FORMATS })
  @ApiOperation({ summary: 'The release dossier as JSON, HTML (strict CSP) or PDF' })
  @ApiProduces('application/json', 'text/html', 'application/pdf')
  @ApiOkResponse({ description: 'the dossier document' }) @ApiNotFoundResponse({ type: ErrorResponse, description: 'no such run, or no dossier yet' })
  async dossier(@Param('id', runIdPipe) id: string, @Param('format') format: string, @Res() res: Response) {
    if (!(DOSSIER_FORMATS as readonly string[]).includes(format)) throw badRequest(`format must be one of ${DOSSIER_FORMATS.join(', ')}`, [{ field: 'format', reason: `"${format}" is not one of them` }]);
    const run = await this.findRun(id);
    const ref = run.dossier?.[format];
    if (!ref) throw notFound(`dossier of run ${id}`, `status ${run.status}; it is compiled when the run completes`);
    this.os ??= this.nats.js.views.os(BUCKETS.artifacts);
    const body = await getArtifact(await this.os, ref);
    res.setHeader('Content-Type', ref.contentType);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (format === 'html') res.setHeader('Content-Security-Policy', DOSSIER_CSP);
    if (format === 'pdf') res.setHeader('Content-Disposition', `attachment; filename="dossier-${id}.pdf"`);
    res.send(body);
  }
}

import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { DataSource } from 'typeorm';
import type { ObjectStore } from 'nats';
import { BUCKETS } from '@ideamine/contracts';
import { getArtifact, NatsResources } from '@ideamine/jetstream';
import { RunEntity } from '@ideamine/persistence';
import { EventPublisher, NATS } from '@ideamine/service-kit';
import { DATA_SOURCE } from '../tokens';
import { ApiError, badRequest, notFound } from '../errors/api-error';
import { costBreakdown, eventsOfTypes, EventRow, FINISHED_STATUSES, getTask, listArtifacts, listEvents, listTasks, runObject } from '../read/queries';
import { ApiCommonErrors, decodeCursor, encodeCursor, isSeq, isTaskKey } from '../pagination';
import { ListEventsQuery, ListTasksQuery, RetryTaskDto } from './runs.dto';
import { AuthedRequest, RunIdParam, runIdPipe } from './runs.controller';
import { Accepted, CostView, ErrorResponse, EventPage, GatesView, KmapView, TaskDetail, TaskPage } from '../openapi/schemas';

const TASK_ID = /^[A-Za-z0-9_-]{1,128}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const RETRYABLE_STATUSES = ['failed', 'quarantined', 'dead-lettered', 'stalled'];

/** Everything inside one run: tasks, events, costs, gates, waivers, knowledge map, artifacts. */
@ApiTags('runs')
@ApiBearerAuth()
@ApiCommonErrors({ status: 404, description: 'no such run (or task / artifact in it)' })
@Controller('v1/runs/:id')
@RunIdParam()
export class RunDetailsController {
  private os?: Promise<ObjectStore>;

  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(NATS) private readonly nats: NatsResources,
    private readonly publisher: EventPublisher,
  ) {}

  private async run(id: string): Promise<RunEntity> {
    const run = await this.ds.getRepository(RunEntity).findOneBy({ runId: id });
    if (!run) throw notFound(`run ${id}`, 'a run just submitted appears within a second or two');
    return run;
  }

  private static taskId(taskId: string) {
    if (!TASK_ID.test(taskId)) throw badRequest('task id must be 1-128 letters, digits, - or _', [{ field: 'taskId', reason: 'bad characters or length' }]);
    return taskId;
  }

  @Get('tasks')
  @ApiOperation({ summary: "A run's tasks in scheduling order; cursor-paginated" })
  @ApiOkResponse({ type: TaskPage })
  async tasks(@Param('id', runIdPipe) id: string, @Query() q: ListTasksQuery) {
    await this.run(id);
    const page = await listTasks(this.ds, id, { phase: q.phase, status: q.status, limit: q.limit ?? 100, after: decodeCursor('tasks', q.cursor, isTaskKey) });
    return { tasks: page.rows, nextCursor: encodeCursor('tasks', page.next) };
  }

  @Get('tasks/:taskId')
  @ApiParam({ name: 'taskId' })
  @ApiOperation({ summary: 'One task: its input spec, attempts, checkpoints, errors, artifacts, output and usage' })
  @ApiOkResponse({ type: TaskDetail })
  async task(@Param('id', runIdPipe) id: string, @Param('taskId') rawTaskId: string) {
    const taskId = RunDetailsController.taskId(rawTaskId);
    const task = await getTask(this.ds, id, taskId);
    if (!task) throw notFound(`task ${taskId} of run ${id}`);
    const events = (await listEvents(this.ds, id, { afterSeq: 0, limit: 1000, taskId })).rows;
    const of = (...types: string[]) => events.filter((e) => types.includes(e.type));
    const scheduled = of('task.scheduled');
    const href = (sha: string) => `/v1/runs/${id}/artifacts/${sha}`;
    const artifacts = (await listArtifacts(this.ds, id, taskId)).map((a) => ({ ...a, href: href(a.sha256) }));
    const result = task.result as { sha256?: string; kind?: string; size?: number; contentType?: string } | null;
    // task.succeeded may carry the output inline instead of a result reference: pass it through.
    const succeeded = of('task.succeeded').pop();
    return {
      outputInline: succeeded && 'output' in succeeded.payload ? succeeded.payload.output : null,
      task,
      input: scheduled.length ? scheduled[scheduled.length - 1].payload : {},
      attempts: of('task.claimed', 'task.retry_scheduled', 'task.fallback', 'task.chunked', 'task.succeeded'),
      checkpoints: of('task.checkpointed'),
      errors: of('task.failed', 'task.stalled', 'task.quarantined'),
      artifacts,
      output: result?.sha256 ? { sha256: result.sha256, kind: result.kind ?? 'result', taskId, phase: task.phase, size: result.size ?? 0, contentType: result.contentType ?? 'application/json', href: href(result.sha256) } : null,
    };
  }

  @Post('tasks/:taskId/retry')
  @HttpCode(202)
  @ApiParam({ name: 'taskId' })
  @ApiOperation({ summary: 'Retry a failed or quarantined task as a new attempt' })
  @ApiAcceptedResponse({ type: Accepted })
  @ApiConflictResponse({ type: ErrorResponse, description: 'the run finished, or the task is not in a retryable state' })
  async retry(@Param('id', runIdPipe) id: string, @Param('taskId') rawTaskId: string, @Body() body: RetryTaskDto, @Req() req: AuthedRequest) {
    const taskId = RunDetailsController.taskId(rawTaskId);
    const run = await this.run(id);
    if (FINISHED_STATUSES.includes(run.status)) throw new ApiError('IM_RUN_FINISHED', `cannot retry a task: run ${id} is ${run.status}${run.reason ? ` (${run.reason})` : ''}`, { status: run.status });
    const task = await getTask(this.ds, id, taskId);
    if (!task) throw notFound(`task ${taskId} of run ${id}`);
    if (!RETRYABLE_STATUSES.includes(task.status)) {
      throw new ApiError('IM_CONFLICT', `task ${taskId} is ${task.status}; only ${RETRYABLE_STATUSES.join(', ')} tasks can be retried`, { status: task.status });
    }
    const cmd = await this.publisher.sendCommand('retry-task', id, task.phase, {
      phase: task.phase, taskId, reason: body.reason ?? 'retry via API', requestedBy: req.apiKeyLabel ?? 'api',
    });
    return { accepted: true, commandId: cmd.id };
  }

  @Get('events')
  @ApiOperation({ summary: "A run's events in stream order; cursor-paginated (or ?after=<seq>)" })
  @ApiOkResponse({ type: EventPage })
  async events(@Param('id', runIdPipe) id: string, @Query() q: ListEventsQuery) {
    await this.run(id);
    const afterSeq = decodeCursor('events', q.cursor, isSeq) ?? q.after ?? 0;
    const page = await listEvents(this.ds, id, { afterSeq, limit: q.limit ?? 500, types: q.type?.split(',') });
    return { events: page.rows, nextCursor: encodeCursor('events', page.next) };
  }

  @Get('costs')
  @ApiOperation({ summary: 'Spend by phase, agent and model, against the budget' })
  @ApiOkResponse({ type: CostView })
  async costs(@Param('id', runIdPipe) id: string) {
    const run = await this.run(id);
    return { total: run.usage, budget: run.budget, ...(await costBreakdown(this.ds, id)) };
  }

  @Get('gates')
  @ApiOperation({ summary: 'Gate verdicts per phase and attempt (score, guards, issues, auto-fix) and waivers' })
  @ApiOkResponse({ type: GatesView })
  async gates(@Param('id', runIdPipe) id: string) {
    await this.run(id);
    const events = await eventsOfTypes(this.ds, id, ['gate.evaluated', 'gate.passed', 'gate.failed', 'autofix.requested', 'waiver.granted', 'waiver.revoked', 'waiver.expired']);
    return { gates: foldGates(events), waivers: foldWaivers(events) };
  }

  @Get('kmap')
  @ApiOperation({ summary: 'The knowledge map: accepted question/answer bindings with their evidence' })
  @ApiOkResponse({ type: KmapView })
  async kmap(@Param('id', runIdPipe) id: string) {
    await this.run(id);
    const events = await eventsOfTypes(this.ds, id, ['kmap.delta']);
    return { bindings: events.flatMap((e) => ((e.payload.bindings ?? []) as any[]).map((b) => ({ phase: e.payload.phase, taskId: e.payload.taskId, ...b }))) };
  }

  @Get('artifacts/:sha256')
  @ApiParam({ name: 'sha256', description: 'content hash of an artifact, result or evidence pack of this run' })
  @ApiOperation({ summary: 'The content of one artifact of this run (served inert: sandboxed, never as HTML)' })
  @ApiOkResponse({ description: 'the artifact bytes' })
  async artifact(@Param('id', runIdPipe) id: string, @Param('sha256') sha256: string, @Res() res: Response) {
    if (!SHA256.test(sha256)) throw badRequest('sha256 must be 64 lower-case hex digits', [{ field: 'sha256', reason: 'not a sha256' }]);
    await this.run(id);
    const known = await runObject(this.ds, id, sha256);
    if (!known) throw notFound(`artifact ${sha256} in run ${id}`);
    this.os ??= this.nats.js.views.os(BUCKETS.artifacts);
    const body = await getArtifact(await this.os, { name: sha256, sha256 });
    const declared = known.contentType ?? (body[0] === 0x7b || body[0] === 0x5b ? 'application/json' : 'application/octet-stream');
    // Agent output is untrusted: never let a browser render it as a page.
    res.setHeader('Content-Type', /html|xml|svg/i.test(declared) ? 'text/plain; charset=utf-8' : declared);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.send(body);
  }
}

function foldGates(events: EventRow[]) {
  const byKey = new Map<string, any>();
  const at = (e: EventRow) => {
    const key = `${e.payload.phase}#${e.payload.gateAttempt}`;
    if (!byKey.has(key)) byKey.set(key, { phase: e.payload.phase, gateAttempt: e.payload.gateAttempt, score: null, passThreshold: null, verdict: 'evaluated', waived: false, guards: [], issues: [], autofix: null, at: e.occurredAt });
    return byKey.get(key);
  };
  for (const e of events) {
    const p = e.payload;
    if (e.type === 'gate.evaluated') Object.assign(at(e), { score: p.score, passThreshold: p.passThreshold, guards: p.guards, at: e.occurredAt, issues: (p.guards as any[]).filter((g) => !g.passed).map((g) => `${g.type}: ${g.detail}`) });
    if (e.type === 'gate.passed') Object.assign(at(e), { verdict: 'passed', score: p.score, waived: p.waived });
    if (e.type === 'gate.failed') Object.assign(at(e), { verdict: 'failed', score: p.score, issues: p.reasons?.length ? p.reasons : at(e).issues });
    if (e.type === 'autofix.requested') at(e).autofix = p.strategy;
  }
  return [...byKey.values()];
}

function foldWaivers(events: EventRow[]) {
  const byKey = new Map<string, any>();
  for (const e of events) {
    const p = e.payload;
    const key = `${p.phase}#${p.guard}`;
    if (e.type === 'waiver.granted') byKey.set(key, { phase: p.phase, guard: p.guard, state: 'active', reason: p.reason, grantedBy: p.grantedBy, expiresAt: p.expiresAt, at: e.occurredAt });
    const prior = byKey.get(key);
    if (e.type === 'waiver.revoked') byKey.set(key, { ...(prior ?? { phase: p.phase, guard: p.guard, grantedBy: null, expiresAt: null }), state: 'revoked', reason: p.reason, at: e.occurredAt });
    if (e.type === 'waiver.expired' && prior) byKey.set(key, { ...prior, state: 'expired', at: e.occurredAt });
  }
  const now = Date.now();
  return [...byKey.values()].map((w) => (w.state === 'active' && w.expiresAt && Date.parse(w.expiresAt) <= now ? { ...w, state: 'expired' } : w));
}

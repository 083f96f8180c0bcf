/**
 * Read-model queries the API needs that libs/persistence does not offer yet. Parameterised SQL
 * only; keyset (cursor) pagination, never OFFSET, so page N costs the same as page 1 and a row
 * inserted meanwhile neither repeats nor vanishes. To be folded into
 * libs/persistence/src/read-models/<name>/<name>.queries.ts.
 */
import type { DataSource } from 'typeorm';

export const RUN_STATUSES = ['pending', 'running', 'paused', 'blocked', 'completed', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINISHED_STATUSES: readonly string[] = ['completed', 'failed', 'cancelled'];

export interface Page<T, K> {
  rows: T[];
  /** The key of the last row when more rows follow, to be encoded as the next cursor. */
  next: K | null;
}

function page<T, K>(rows: T[], limit: number, keyOf: (row: T) => K): Page<T, K> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { rows: kept, next: more ? keyOf(kept[kept.length - 1]) : null };
}

export interface RunRow {
  runId: string; status: string; idea: string; configSet: string; usage: Record<string, number>; budget: Record<string, number>;
  reason: string | null; createdAt: string; updatedAt: string; blocked: boolean; phasesTotal: number; phasesDone: number;
}
export interface RunKey { createdAt: string; runId: string }

export interface RunFilter {
  status?: RunStatus;
  /** Case-insensitive text in the idea, target users or constraints. */
  q?: string;
  createdFrom?: string;
  createdTo?: string;
  limit: number;
  after?: RunKey;
}

const BLOCKED = `EXISTS (SELECT 1 FROM rm.phases p WHERE p.run_id = r.run_id AND p.status = 'blocked')`;

/** Runs newest first; `blocked` is derived (a running run with a phase waiting on a person). */
export async function listRuns(ds: DataSource, f: RunFilter): Promise<Page<RunRow, RunKey>> {
  const where: string[] = [];
  const args: unknown[] = [];
  const arg = (v: unknown) => `$${args.push(v)}`;
  if (f.status === 'blocked') where.push(`r.status = 'running' AND ${BLOCKED}`);
  else if (f.status === 'running') where.push(`r.status = 'running' AND NOT ${BLOCKED}`);
  else if (f.status) where.push(`r.status = ${arg(f.status)}`);
  if (f.q) {
    const like = arg(`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(r.idea ILIKE ${like} OR r.target_users::text ILIKE ${like} OR r.constraints::text ILIKE ${like} OR r.run_id ILIKE ${like})`);
  }
  if (f.createdFrom) where.push(`r.created_at >= ${arg(f.createdFrom)}`);
  if (f.createdTo) where.push(`r.created_at < ${arg(f.createdTo)}`);
  if (f.after) where.push(`(r.created_at, r.run_id) < (${arg(f.after.createdAt)}::timestamptz, ${arg(f.after.runId)})`);
  const rows = await ds.query(
    `SELECT r.run_id AS "runId", r.status, r.idea, r.config_set AS "configSet", r.usage, r.budget, r.reason,
            to_json(r.created_at) #>> '{}' AS "createdAt", to_json(r.updated_at) #>> '{}' AS "updatedAt", ${BLOCKED} AS blocked,
            (SELECT count(*)::int FROM rm.phases p WHERE p.run_id = r.run_id) AS "phasesTotal",
            (SELECT count(*)::int FROM rm.phases p WHERE p.run_id = r.run_id AND p.status = 'completed') AS "phasesDone"
       FROM rm.runs r ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.created_at DESC, r.run_id DESC LIMIT ${arg(f.limit + 1)}`,
    args,
  );
  return page(rows as RunRow[], f.limit, (r) => ({ createdAt: r.createdAt, runId: r.runId }));
}

export interface TaskKey { scheduledAt: string; taskId: string }

/** A run's tasks in the order they were scheduled. */
export async function listTasks(ds: DataSource, runId: string, f: { phase?: string; status?: string; limit: number; after?: TaskKey }): Promise<Page<any, TaskKey>> {
  const args: unknown[] = [runId];
  const arg = (v: unknown) => `$${args.push(v)}`;
  const where = ['t.run_id = $1'];
  if (f.phase) where.push(`t.phase = ${arg(f.phase)}`);
  if (f.status) where.push(`t.status = ${arg(f.status)}`);
  if (f.after) where.push(`(t.scheduled_at, t.task_id) > (${arg(f.after.scheduledAt)}::timestamptz, ${arg(f.after.taskId)})`);
  const rows = await ds.query(
    `SELECT t.task_id AS "taskId", t.run_id AS "runId", t.phase, t.agent, t.status, t.attempt, t.gate_attempt AS "gateAttempt", t.iteration, t.shard,
            t.idempotence_key AS "idempotenceKey", t.worker_id AS "workerId", t.error_class AS "errorClass", t.message, t.usage, t.result,
            to_json(t.scheduled_at) #>> '{}' AS "scheduledAt", to_json(t.started_at) #>> '{}' AS "startedAt", to_json(t.finished_at) #>> '{}' AS "finishedAt"
       FROM rm.tasks t WHERE ${where.join(' AND ')}
      ORDER BY t.scheduled_at ASC, t.task_id ASC LIMIT ${arg(f.limit + 1)}`,
    args,
  );
  return page(rows, f.limit, (r: any) => ({ scheduledAt: r.scheduledAt, taskId: r.taskId }));
}

export async function getTask(ds: DataSource, runId: string, taskId: string): Promise<any | undefined> {
  const rows = await ds.query(
    `SELECT t.task_id AS "taskId", t.run_id AS "runId", t.phase, t.agent, t.status, t.attempt, t.gate_attempt AS "gateAttempt", t.iteration, t.shard,
            t.idempotence_key AS "idempotenceKey", t.worker_id AS "workerId", t.error_class AS "errorClass", t.message, t.usage, t.result,
            to_json(t.scheduled_at) #>> '{}' AS "scheduledAt", to_json(t.started_at) #>> '{}' AS "startedAt", to_json(t.finished_at) #>> '{}' AS "finishedAt"
       FROM rm.tasks t WHERE t.run_id = $1 AND t.task_id = $2`,
    [runId, taskId],
  );
  return rows[0];
}

export interface EventRow {
  seq: number; id: string; type: string; subject: string; runId: string; aggregateId: string; occurredAt: string;
  producer: Record<string, string>; causationId: string | null; correlationId: string; payload: Record<string, any>;
}

/** rm.events keeps each envelope as published (json); the API's event view is built from it. */
function eventRow(r: { seq: string; subject: string; envelope: string }): EventRow {
  const e = JSON.parse(r.envelope);
  return {
    seq: Number(r.seq), id: e.id, type: e.type, subject: r.subject, runId: e.runId, aggregateId: e.aggregateId, occurredAt: e.occurredAt,
    producer: e.producer, causationId: e.causationId, correlationId: e.correlationId, payload: e.payload,
  };
}

/** A run's events by stream sequence, optionally only some types or those about one task. */
export async function listEvents(ds: DataSource, runId: string, f: { afterSeq: number; limit: number; types?: string[]; taskId?: string }): Promise<Page<EventRow, number>> {
  const args: unknown[] = [runId, f.afterSeq];
  const arg = (v: unknown) => `$${args.push(v)}`;
  const where = ['e.run_id = $1', 'e.seq > $2'];
  if (f.types?.length) where.push(`e.type = ANY(${arg(f.types)})`);
  if (f.taskId) where.push(`e.envelope->'payload'->>'taskId' = ${arg(f.taskId)}`);
  const rows = await ds.query(`SELECT e.seq, e.subject, e.envelope::text AS envelope FROM rm.events e WHERE ${where.join(' AND ')} ORDER BY e.seq ASC LIMIT ${arg(f.limit + 1)}`, args);
  return page((rows as { seq: string; subject: string; envelope: string }[]).map(eventRow), f.limit, (r) => r.seq);
}

/** Every event of the given types in a run (gates, waivers, the knowledge map: small sets). */
export async function eventsOfTypes(ds: DataSource, runId: string, types: string[]): Promise<EventRow[]> {
  const rows = await ds.query(`SELECT e.seq, e.subject, e.envelope::text AS envelope FROM rm.events e WHERE e.run_id = $1 AND e.type = ANY($2) ORDER BY e.seq ASC`, [runId, types]);
  return (rows as { seq: string; subject: string; envelope: string }[]).map(eventRow);
}

export interface ArtifactRow { sha256: string; runId: string; kind: string; taskId: string | null; phase: string | null; size: number; contentType: string }

export async function listArtifacts(ds: DataSource, runId: string, taskId?: string): Promise<ArtifactRow[]> {
  return ds.query(
    `SELECT sha256, run_id AS "runId", kind, task_id AS "taskId", phase, size::float8 AS size, content_type AS "contentType"
       FROM rm.artifacts WHERE run_id = $1 ${taskId ? 'AND task_id = $2' : ''} ORDER BY phase, kind, sha256`,
    taskId ? [runId, taskId] : [runId],
  );
}

/**
 * Whether a content hash belongs to a run (an artifact it stored, or a task result / evidence pack
 * it references), and the content type it was stored with when known.
 */
export async function runObject(ds: DataSource, runId: string, sha256: string): Promise<{ contentType: string | null } | undefined> {
  const [row] = await ds.query(
    `SELECT (SELECT content_type FROM rm.artifacts WHERE run_id = $1 AND sha256 = $2 LIMIT 1) AS "contentType",
            EXISTS (SELECT 1 FROM rm.artifacts WHERE run_id = $1 AND sha256 = $2)
         OR EXISTS (SELECT 1 FROM rm.tasks WHERE run_id = $1 AND result->>'sha256' = $2)
         OR EXISTS (SELECT 1 FROM rm.phases WHERE run_id = $1 AND evidence_pack->>'sha256' = $2) AS ok`,
    [runId, sha256],
  );
  return row?.ok ? { contentType: row.contentType } : undefined;
}

export interface UsageRow { key: string; tasks: number; tokens: number; usd: number; toolMinutes: number; wallclockMs: number }

/**
 * Spend of succeeded tasks grouped by phase, agent and model. Events do not carry the model yet
 * (task.succeeded.usage has none): rows say 'unrecorded' until the worker records it.
 */
export async function costBreakdown(ds: DataSource, runId: string): Promise<Record<'byPhase' | 'byAgent' | 'byModel', UsageRow[]>> {
  const by = (expr: string) => ds.query(
    `SELECT ${expr} AS key, count(*)::int AS tasks, COALESCE(sum((usage->>'tokens')::bigint), 0)::float8 AS tokens,
            COALESCE(round(sum((usage->>'usd')::numeric), 6), 0)::float8 AS usd, COALESCE(sum((usage->>'toolMinutes')::numeric), 0)::float8 AS "toolMinutes",
            COALESCE(sum((usage->>'wallclockMs')::bigint), 0)::float8 AS "wallclockMs"
       FROM rm.tasks WHERE run_id = $1 AND status = 'succeeded' GROUP BY 1 ORDER BY usd DESC, tokens DESC, key`,
    [runId],
  ) as Promise<UsageRow[]>;
  const [byPhase, byAgent, byModel] = await Promise.all([by('phase'), by('agent'), by(`COALESCE(usage->>'model', 'unrecorded')`)]);
  return { byPhase, byAgent, byModel };
}

export interface InboxItem {
  kind: 'phase-blocked' | 'run-paused';
  runId: string; idea: string; phase: string | null; reason: string | null; since: string; actions: string[];
}

/** Every decision waiting on a person, across runs: blocked phases (waiver or manual fix) and paused runs. */
export async function inbox(ds: DataSource, limit: number): Promise<InboxItem[]> {
  const blocked = await ds.query(
    `SELECT 'phase-blocked' AS kind, r.run_id AS "runId", left(r.idea, 200) AS idea, p.phase, p.reason,
            to_json(COALESCE(p.finished_at, r.updated_at)) #>> '{}' AS since
       FROM rm.phases p JOIN rm.runs r ON r.run_id = p.run_id
      WHERE p.status = 'blocked' AND r.status NOT IN ('completed', 'failed', 'cancelled')
      ORDER BY since ASC LIMIT $1`,
    [limit],
  );
  const paused = await ds.query(
    `SELECT 'run-paused' AS kind, r.run_id AS "runId", left(r.idea, 200) AS idea, NULL AS phase, r.reason, to_json(r.updated_at) #>> '{}' AS since
       FROM rm.runs r WHERE r.status = 'paused' ORDER BY r.updated_at ASC LIMIT $1`,
    [limit],
  );
  return [
    ...blocked.map((b: InboxItem) => ({ ...b, actions: ['grant-waiver', 'cancel'] })),
    ...paused.map((p: InboxItem) => ({ ...p, actions: /budget/i.test(p.reason ?? '') ? ['extend-budget', 'resume', 'cancel'] : ['resume', 'cancel'] })),
  ].sort((a, b) => a.since.localeCompare(b.since));
}

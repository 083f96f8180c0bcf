import type { EventType } from '@ideamine/contracts';
import { defineProjection, patch, TableWriter } from '../../projection/projection';
import type { ProjectedEvent } from '../../projection/messages';
import { TaskAttemptEntity, TaskEntity } from './tasks.entity';
import { TASKS_SQL } from './tasks.sql';

const at = (e: ProjectedEvent) => new Date(e.envelope.occurredAt);

/** Events about one attempt of one task (TaskRef in their payload). */
type TaskRefEvent = ProjectedEvent<'task.claimed' | 'task.checkpointed' | 'task.succeeded' | 'task.failed' | 'task.stalled' | 'task.retry_scheduled' | 'task.quarantined' | 'task.fallback' | 'task.chunked'>;

/** A success is final: later copies of claims, failures or stalls (duplicates, stale attempts) cannot undo it. */
const unlessSucceeded = (fn: (r: TaskEntity) => TaskEntity) => (r: TaskEntity | undefined) => (r && r.status !== 'succeeded' ? fn(r) : r);

function attempt(t: TableWriter<TaskAttemptEntity>, e: TaskRefEvent, fn: (a: TaskAttemptEntity) => TaskAttemptEntity) {
  const p = e.envelope.payload;
  t.upsert({ taskId: p.taskId, attempt: p.attempt }, (a) => fn(a ?? {
    taskId: p.taskId, attempt: p.attempt, runId: e.envelope.runId, phase: p.phase, agent: p.agent, outcome: 'running', workerId: null, leaseMs: null,
    resumedFromStep: null, checkpointStep: null, errorClass: null, retryable: null, message: null, usage: null, replayed: null, fallbackTo: null, chunks: null,
    claimedAt: null, checkpointedAt: null, finishedAt: null,
  }));
}
const attemptOpen = (a: TaskAttemptEntity) => a.outcome !== 'succeeded';

export const TASK_EVENTS: EventType[] = ['task.scheduled', 'task.claimed', 'task.checkpointed', 'task.succeeded', 'task.failed', 'task.retry_scheduled', 'task.stalled', 'task.quarantined'];

export const tasksProjection = defineProjection({
  name: 'tasks',
  version: 1,
  tables: { tasks: TaskEntity, attempts: TaskAttemptEntity },
  sql: TASKS_SQL,
  on: {
    'task.scheduled': (e, t) => {
      const p = e.envelope.payload;
      t.tasks.upsert({ taskId: p.taskId }, (r) => r ?? {
        taskId: p.taskId, runId: e.envelope.runId, phase: p.phase, agent: p.agent, status: 'scheduled', attempt: p.attempt, gateAttempt: p.gateAttempt,
        iteration: p.iteration, shard: p.shard, idempotenceKey: p.idempotenceKey, pool: p.pool, workerId: null, errorClass: null, message: null,
        usage: null, result: null, output: null, scheduledAt: at(e), startedAt: null, finishedAt: null, updatedAt: at(e),
      });
    },
    'task.claimed': (e, t) => {
      const p = e.envelope.payload;
      t.tasks.upsert({ taskId: p.taskId }, unlessSucceeded((r) => patch(r, { status: 'running', attempt: p.attempt, workerId: p.workerId, startedAt: r.startedAt ?? at(e), updatedAt: at(e) })));
      // The first claim of an attempt is the one that counts; a second (stale worker) keeps it.
      attempt(t.attempts, e, (a) => (a.claimedAt ? a : patch(a, { workerId: p.workerId, leaseMs: p.leaseMs, resumedFromStep: p.resumedFromStep, claimedAt: at(e) })));
    },
    'task.checkpointed': (e, t) => {
      const p = e.envelope.payload;
      attempt(t.attempts, e, (a) => (a.checkpointStep !== null && a.checkpointStep >= p.step ? a : patch(a, { checkpointStep: p.step, checkpointedAt: at(e) })));
    },
    'task.succeeded': (e, t) => {
      const p = e.envelope.payload;
      // Tolerant of the announced contract change: `result` optional, small results inline as `output`.
      const result = p.result ?? null;
      const output = 'output' in p ? p.output : null;
      t.tasks.upsert({ taskId: p.taskId }, unlessSucceeded((r) => patch(r, { status: 'succeeded', usage: p.usage, result, output, finishedAt: at(e), errorClass: null, message: null, updatedAt: at(e) })));
      attempt(t.attempts, e, (a) => (attemptOpen(a) ? patch(a, { outcome: 'succeeded', usage: p.usage, replayed: p.replayed, errorClass: null, message: null, finishedAt: at(e) }) : a));
    },
    'task.failed': (e, t) => {
      const p = e.envelope.payload;
      t.tasks.upsert({ taskId: p.taskId }, unlessSucceeded((r) => patch(r, { status: 'failed', errorClass: p.errorClass, message: p.message, finishedAt: at(e), updatedAt: at(e) })));
      attempt(t.attempts, e, (a) => (attemptOpen(a) ? patch(a, { outcome: 'failed', errorClass: p.errorClass, retryable: p.retryable, message: p.message, finishedAt: at(e) }) : a));
    },
    'task.retry_scheduled': (e, t) => {
      const p = e.envelope.payload;
      t.tasks.upsert({ taskId: p.taskId }, unlessSucceeded((r) => patch(r, { status: 'retrying', attempt: p.nextAttempt, updatedAt: at(e) })));
    },
    'task.stalled': (e, t) => {
      const p = e.envelope.payload;
      t.tasks.upsert({ taskId: p.taskId }, (r) => (r && r.status === 'running' ? patch(r, { status: 'stalled', updatedAt: at(e) }) : r));
      attempt(t.attempts, e, (a) => (a.outcome === 'running' ? patch(a, { outcome: 'stalled' }) : a));
    },
    'task.quarantined': (e, t) => {
      const p = e.envelope.payload;
      t.tasks.upsert({ taskId: p.taskId }, unlessSucceeded((r) => patch(r, { status: 'quarantined', message: p.reason, updatedAt: at(e) })));
      attempt(t.attempts, e, (a) => (attemptOpen(a) ? patch(a, { outcome: 'quarantined', message: p.reason, finishedAt: a.finishedAt ?? at(e) }) : a));
    },
    'task.fallback': (e, t) => attempt(t.attempts, e, (a) => patch(a, { fallbackTo: e.envelope.payload.to })),
    'task.chunked': (e, t) => attempt(t.attempts, e, (a) => patch(a, { chunks: e.envelope.payload.chunks })),
  },
});

import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';
import { listAttempts, listTasks } from './tasks.queries';

const budget = { tokens: 1000, usd: 1, toolMinutes: 1, wallclockMinutes: 10 };
const ref = { bucket: 'im-artifacts', name: 'd'.repeat(64), sha256: 'd'.repeat(64), size: 5, contentType: 'application/json', kind: 'task-result:PRDWriterAgent' };
const usage = { tokens: 300, usd: 0.03, toolMinutes: 0, wallclockMs: 2000 };

function schedule(s: EventScript, taskId: string, phase: string, agent = 'PRDWriterAgent') {
  s.add('task.scheduled', phase, { taskId, phase, agent, attempt: 1, idempotenceKey: 'e'.repeat(64), pool: 'default', budget, gateAttempt: 1, shard: 0, iteration: 0 });
}
const tref = (taskId: string, phase: string, attempt = 1, agent = 'PRDWriterAgent') => ({ taskId, phase, agent, attempt });

describe('tasks and attempts read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  let script: EventScript;

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    // Times close to now, so active_tasks' lease arithmetic against now() is meaningful.
    script = new EventScript(undefined, { start: Date.now() - 60_000 });
    const s = script;
    // t1: fails, retried, succeeds on attempt 2; a stale claim of attempt 1 arrives afterwards.
    schedule(s, 't1', 'prd');
    s.add('task.claimed', 't1', { ...tref('t1', 'prd'), workerId: 'w1', leaseMs: 30000, resumedFromStep: 0 }, { ms: 10 });
    s.add('task.checkpointed', 't1', { ...tref('t1', 'prd'), step: 2 }, { ms: 10 });
    s.add('task.failed', 't1', { ...tref('t1', 'prd'), errorClass: 'timeout', retryable: true, message: 'provider timed out' }, { ms: 10 });
    s.add('task.retry_scheduled', 't1', { ...tref('t1', 'prd'), nextAttempt: 2, dueAt: new Date().toISOString(), errorClass: 'timeout' }, { ms: 10 });
    s.add('task.claimed', 't1', { ...tref('t1', 'prd', 2), workerId: 'w2', leaseMs: 30000, resumedFromStep: 2 }, { ms: 10 });
    s.add('task.succeeded', 't1', { ...tref('t1', 'prd', 2), result: ref, usage, replayed: false }, { ms: 10 });
    s.add('task.claimed', 't1', { ...tref('t1', 'prd'), workerId: 'w-stale', leaseMs: 30000, resumedFromStep: 0 }, { ms: 10 });
    // t2: running now, with a long lease: active, not at risk. t3: stalled. t4: quarantined. t5: scheduled only.
    schedule(s, 't2', 'prd');
    schedule(s, 't3', 'prd', 'UXFlowAgent');
    schedule(s, 't4', 'qa', 'E2EAgent');
    schedule(s, 't5', 'qa', 'E2EAgent');
    s.add('task.claimed', 't3', { ...tref('t3', 'prd', 1, 'UXFlowAgent'), workerId: 'w3', leaseMs: 1000, resumedFromStep: 0 }, { ms: 10 });
    s.add('task.stalled', 't3', { ...tref('t3', 'prd', 1, 'UXFlowAgent'), lastHeartbeatAt: null }, { ms: 10 });
    s.add('task.failed', 't4', { ...tref('t4', 'qa', 1, 'E2EAgent'), errorClass: 'fatal', retryable: false, message: 'no \u0000 nul here' }, { ms: 10 });
    s.add('task.quarantined', 't4', { ...tref('t4', 'qa', 1, 'E2EAgent'), reason: 'fatal \u0000 here' }, { ms: 10 });
    s.add('task.claimed', 't2', { ...tref('t2', 'prd'), workerId: 'w4', leaseMs: 3_600_000, resumedFromStep: 0 }, { ms: 10 });
    await project(ds, s.messages(), 4);
  });
  afterAll(async () => ds?.destroy());

  it('keeps the latest attempt on the task and one row per attempt; a success is final', async () => {
    const t1 = (await ds.query(`SELECT status, attempt, worker_id, usage, result, error_class FROM rm.tasks WHERE task_id = 't1'`))[0];
    expect(t1).toEqual({ status: 'succeeded', attempt: 2, worker_id: 'w2', usage, result: ref, error_class: null });
    const attempts = await listAttempts(ds, 't1');
    expect(attempts.map((a) => [a.attempt, a.outcome, a.workerId, a.checkpointStep, a.errorClass])).toEqual([[1, 'failed', 'w1', 2, 'timeout'], [2, 'succeeded', 'w2', null, null]]);
    expect(attempts[1].resumedFromStep).toBe(2);
    // Postgres text cannot hold U+0000: it is stored as U+FFFD instead of stopping projection.
    expect((await ds.query(`SELECT status, message FROM rm.tasks WHERE task_id = 't4'`))[0]).toEqual({ status: 'quarantined', message: 'fatal \ufffd here' });
    expect((await ds.query(`SELECT outcome, error_class FROM rm.task_attempts WHERE task_id = 't4'`))[0]).toEqual({ outcome: 'quarantined', error_class: 'fatal' });
    // The envelope itself keeps the escape exactly as published.
    expect((await ds.query(`SELECT envelope::text AS e FROM rm.events WHERE type = 'task.quarantined'`))[0].e).toContain('fatal \\u0000 here');
  });

  it('active_tasks: what is scheduled or running, with its lease, and whether it is at risk', async () => {
    const rows = await ds.query(`SELECT task_id, status, attempt, worker_id, lease_ms, at_risk FROM rm.active_tasks ORDER BY task_id`);
    expect(rows).toEqual([
      { task_id: 't2', status: 'running', attempt: 1, worker_id: 'w4', lease_ms: 3_600_000, at_risk: false },
      { task_id: 't3', status: 'stalled', attempt: 1, worker_id: 'w3', lease_ms: 1000, at_risk: true },
      { task_id: 't5', status: 'scheduled', attempt: 1, worker_id: null, lease_ms: null, at_risk: false },
    ]);
  });

  it('task_stats_by_phase: counts, retries and spend per phase of a run', async () => {
    const rows = await ds.query(`SELECT phase, tasks::int, succeeded::int, failed::int, quarantined::int, active::int, retries::int, tokens::int FROM rm.task_stats_by_phase WHERE run_id = $1 ORDER BY phase`, [script.runId]);
    expect(rows).toEqual([
      { phase: 'prd', tasks: 3, succeeded: 1, failed: 0, quarantined: 0, active: 2, retries: 1, tokens: 300 },
      { phase: 'qa', tasks: 2, succeeded: 0, failed: 0, quarantined: 1, active: 1, retries: 0, tokens: 0 },
    ]);
  });

  it('lists a run\'s tasks in scheduling order, page by page', async () => {
    const first = await listTasks(ds, script.runId, { limit: 3 });
    expect(first.items.map((t) => t.taskId)).toEqual(['t1', 't2', 't3']);
    const second = await listTasks(ds, script.runId, { limit: 3, cursor: first.nextCursor! });
    expect(second.items.map((t) => t.taskId)).toEqual(['t4', 't5']);
    expect(second.nextCursor).toBeNull();
  });
});

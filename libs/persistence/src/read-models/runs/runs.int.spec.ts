import type { DataSource } from 'typeorm';
import type { StreamMessage } from '../../projection/messages';
import { uuidv7 } from '@ideamine/contracts';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';
import { InvalidCursorError } from '../../errors';
import { findRun, listRuns } from './runs.queries';

const budget = { tokens: 1000, usd: 5, toolMinutes: 10, wallclockMinutes: 60 };
const usage = (tokens: number, usd: number) => ({ tokens, usd, toolMinutes: 0, wallclockMs: 100 });
const ref = (kind: string) => ({ bucket: 'im-artifacts', name: 'a'.repeat(64), sha256: 'a'.repeat(64), size: 10, contentType: 'application/json', kind });
const cfg = (phase: string) => ({
  phase, dependsOn: [], parallelism: 'parallel' as const, aggregation: 'merge' as const, agents: ['IdeaParserAgent'], budgets: budget, guards: [],
  gate: { passThreshold: 0.7, autoFix: true, maxAttempts: 3 }, estimatedMinutes: 5,
});

function run(s: EventScript, idea: string, opts: { complete?: boolean; blocked?: boolean } = {}) {
  s.add('run.requested', '_', { input: { idea, targetUsers: ['gardeners'], constraints: [] }, budget, configSet: 'default', phases: [] });
  s.add('run.planned', '_', { phases: [cfg('intake'), cfg('prd')], levels: [['intake'], ['prd']], criticalPath: ['intake', 'prd'], estimatedMinutes: 10 });
  s.add('run.started', '_', {});
  s.add('phase.started', 'intake', { phase: 'intake', config: cfg('intake'), input: { idea, targetUsers: [], constraints: [] }, upstream: [], budget });
  s.add('task.scheduled', 'intake', { taskId: `t-${s.runId}-1`, phase: 'intake', agent: 'IdeaParserAgent', attempt: 1, idempotenceKey: 'b'.repeat(64), pool: 'default', budget, gateAttempt: 1, shard: 0, iteration: 0 });
  s.add('task.succeeded', `t-${s.runId}-1`, { taskId: `t-${s.runId}-1`, phase: 'intake', agent: 'IdeaParserAgent', attempt: 1, result: ref('task-result'), usage: usage(100, 0.1), replayed: false });
  // Served from the call journal: not paid again.
  s.add('task.succeeded', `t-${s.runId}-1`, { taskId: `t-${s.runId}-1`, phase: 'intake', agent: 'IdeaParserAgent', attempt: 1, result: ref('task-result'), usage: usage(100, 0.1), replayed: true });
  s.add('task.succeeded', `t-${s.runId}-1`, { taskId: `t-${s.runId}-1`, phase: 'intake', agent: 'IdeaParserAgent', attempt: 1, result: ref('task-result'), usage: usage(50, 0.2), replayed: false });
  if (opts.blocked) s.add('phase.blocked', 'prd', { phase: 'prd', reason: 'needs a person' });
  if (opts.complete) {
    s.add('run.completed', '_', { phases: ['intake', 'prd'], usage: usage(120, 0.25) });
    s.add('run.paused', '_', { reason: 'too late' }, { ms: 10 });
    s.add('dossier.compiled', '_', { version: '1.0.0', signature: 'c'.repeat(64), completeness: 90, missing: [], json: ref('dossier.json'), causeId: '01900000-0000-7000-8000-00000000000d' });
  }
}

describe('runs read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const ids: string[] = [];

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    const all: StreamMessage[] = [];
    for (let i = 0; i < 5; i++) {
      const s = new EventScript(uuidv7(Date.UTC(2026, 0, 5 + i)), { start: Date.UTC(2026, 0, 5 + i), firstSeq: all.length + 1 });
      run(s, `idea ${i}`, { complete: i % 2 === 0, blocked: i === 3 });
      ids.push(s.runId);
      all.push(...s.messages());
    }
    await project(ds, all, 7);
  });
  afterAll(async () => ds?.destroy());

  it('follows the run: spent usage counts paid calls only, and an ended run stays ended', async () => {
    const r = (await findRun(ds, ids[0]))!;
    expect(r).toMatchObject({ status: 'completed', idea: 'idea 0', targetUsers: ['gardeners'], levels: [['intake'], ['prd']], criticalPath: ['intake', 'prd'], estimatedMinutes: 10 });
    expect(r.usage).toEqual({ tokens: 150, usd: 0.3, toolMinutes: 0, wallclockMs: 200 });
    expect(r.reportedUsage).toEqual(usage(120, 0.25));
    expect(r.reason).toBeNull();
    expect(r.dossier).toMatchObject({ version: '1.0.0', completeness: 90 });
    expect(r.startedAt!.getTime()).toBeLessThan(r.finishedAt!.getTime());
    expect((await findRun(ds, ids[1]))!.status).toBe('running');
    expect(await findRun(ds, uuidv7())).toBeNull();
  });

  it('recent_run_summary: newest first, with phase and task counts and spend', async () => {
    const rows = await ds.query(`SELECT run_id, status, phases_total::int, phases_completed::int, tasks_total::int, tokens::int, usd::float, has_dossier FROM rm.recent_run_summary`);
    expect(rows.map((r: { run_id: string }) => r.run_id)).toEqual([...ids].reverse());
    expect(rows[4]).toEqual({ run_id: ids[0], status: 'completed', phases_total: 2, phases_completed: 0, tasks_total: 1, tokens: 150, usd: 0.3, has_dossier: true });
    expect(rows[3]).toMatchObject({ run_id: ids[1], has_dossier: false });
  });

  it('lists every run, page by page, with a cursor; filters by status and by the derived blocked status', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listRuns(ds, { limit: 2, cursor });
      seen.push(...page.items.map((r) => r.runId));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    expect((await listRuns(ds, { limit: 10, status: 'completed' })).items.map((r) => r.runId)).toEqual([ids[4], ids[2], ids[0]]);
    expect((await listRuns(ds, { limit: 10, status: 'blocked' })).items.map((r) => r.runId)).toEqual([ids[3]]);
    await expect(listRuns(ds, { limit: 2, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

import type { DataSource } from 'typeorm';
import type { StreamMessage } from '../../projection/messages';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';
import { avgPhaseDuration, phasePerformance } from './phase-metrics.queries';

const budget = { tokens: 1, usd: 1, toolMinutes: 1, wallclockMinutes: 1 };
const cfg = { phase: 'prd', dependsOn: [], parallelism: 'parallel' as const, aggregation: 'merge' as const, agents: ['PRDWriterAgent'], budgets: budget, guards: [], gate: { passThreshold: 0.7, autoFix: true, maxAttempts: 3 }, estimatedMinutes: 5 };
const pack = { bucket: 'im-artifacts', name: '2'.repeat(64), sha256: '2'.repeat(64), size: 1, contentType: 'application/json', kind: 'evidence-pack' };

function phaseRun(s: EventScript, durationMs: number, outcome: 'completed' | 'failed', score = 0.8) {
  s.add('phase.started', 'prd', { phase: 'prd', config: cfg, input: { idea: 'x', targetUsers: [], constraints: [] }, upstream: [], budget });
  s.add('task.scheduled', 'prd', { taskId: `t-${s.runId}`, phase: 'prd', agent: 'PRDWriterAgent', attempt: 1, idempotenceKey: '3'.repeat(64), pool: 'default', budget, gateAttempt: 1, shard: 0, iteration: 0 }, { ms: 1 });
  s.add('task.succeeded', `t-${s.runId}`, { taskId: `t-${s.runId}`, phase: 'prd', agent: 'PRDWriterAgent', attempt: 1, result: pack, usage: { tokens: 400, usd: 0.2, toolMinutes: 0, wallclockMs: 1 }, replayed: false }, { ms: 1 });
  s.add('gate.evaluated', 'prd', { phase: 'prd', gateAttempt: 1, score, passThreshold: 0.7, guards: [] }, { ms: 1 });
  if (outcome === 'completed') s.add('phase.completed', 'prd', { phase: 'prd', evidencePack: pack, score, attempts: 1 }, { ms: durationMs - 3 });
  else s.add('phase.failed', 'prd', { phase: 'prd', reason: 'gate failed' }, { ms: durationMs - 3 });
}

describe('phase metrics read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    const all: StreamMessage[] = [];
    const old = Date.now() - 100 * 86400_000;
    for (const [i, [ms, outcome]] of ([[60_000, 'completed'], [120_000, 'completed'], [180_000, 'completed'], [30_000, 'failed']] as const).entries()) {
      const s = new EventScript(undefined, { start: i === 0 ? old : Date.now() - 86400_000, firstSeq: all.length + 1 });
      phaseRun(s, ms, outcome);
      all.push(...s.messages());
    }
    await project(ds, all, 5);
  });
  afterAll(async () => ds?.destroy());

  it('get_avg_phase_duration: seconds over completed executions; null for a phase never run', async () => {
    expect(await avgPhaseDuration(ds, 'prd')).toBeCloseTo(120, 6);
    expect(await avgPhaseDuration(ds, 'qa')).toBeNull();
  });

  it('phase_performance: executions, outcomes, duration percentiles, scores and spend by phase', async () => {
    const [p] = await phasePerformance(ds);
    expect(p).toMatchObject({ phase: 'prd', executions: 4, completed: 3, failed: 1, avgDurationS: 120, p50DurationS: 120, avgScore: 0.8, avgGateAttempts: 1, avgTaskExecutions: 1, avgTokens: 400, avgUsd: 0.2 });
    expect(p.p95DurationS).toBeCloseTo(174, 6);
  });

  it('cleanup_old_phase_metrics removes metrics of phases finished before the cut-off', async () => {
    expect((await ds.query(`SELECT rm.cleanup_old_phase_metrics(30)::int AS n`))[0].n).toBe(1);
    expect(await avgPhaseDuration(ds, 'prd')).toBeCloseTo(150, 6);
  });
});

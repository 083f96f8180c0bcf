import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';
import { listPhases } from '../runs/runs.queries';

const budget = { tokens: 1, usd: 1, toolMinutes: 1, wallclockMinutes: 1 };
const cfg = (phase: string, dependsOn: string[] = []) => ({ phase, dependsOn, parallelism: 2, aggregation: 'merge' as const, agents: ['PRDWriterAgent'], budgets: budget, guards: [], gate: { passThreshold: 0.7, autoFix: true, maxAttempts: 3 }, estimatedMinutes: 5 });
const pack = { bucket: 'im-artifacts', name: '4'.repeat(64), sha256: '4'.repeat(64), size: 1, contentType: 'application/json', kind: 'evidence-pack' };
const usage = { tokens: 10, usd: 0.01, toolMinutes: 0, wallclockMs: 5 };

describe('phases read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const s = new EventScript();
  const solo = new EventScript(undefined, { firstSeq: 100 });

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    s.add('run.planned', '_', { phases: [cfg('intake'), cfg('prd', ['intake'])], levels: [['intake'], ['prd']], criticalPath: ['intake', 'prd'], estimatedMinutes: 10 });
    s.add('phase.started', 'intake', { phase: 'intake', config: cfg('intake'), input: { idea: 'x', targetUsers: [], constraints: [] }, upstream: [], budget });
    s.add('phase.progress', 'intake', { phase: 'intake', done: 1, total: 2 });
    s.add('phase.aggregated', 'intake', { phase: 'intake', gateAttempt: 1, evidencePack: pack, taskCount: 2, usage });
    s.add('gate.evaluated', 'intake', { phase: 'intake', gateAttempt: 1, score: 0.5, passThreshold: 0.7, guards: [] });
    s.add('gate.failed', 'intake', { phase: 'intake', gateAttempt: 1, score: 0.5, reasons: ['coverage', 'grounding'], final: false });
    s.add('autofix.started', 'intake', { phase: 'intake', strategy: 'rerun-qav', gateAttempt: 2 });
    s.add('phase.completed', 'intake', { phase: 'intake', evidencePack: pack, score: 0.9, attempts: 2 });
    // A late copy of an earlier decision must not reopen the phase.
    s.add('phase.aggregated', 'intake', { phase: 'intake', gateAttempt: 1, evidencePack: pack, taskCount: 2, usage });
    s.add('phase.blocked', 'prd', { phase: 'prd', reason: 'waiting for a waiver' });
    // phase.started without run.planned (events tapped from the middle): the phase still shows.
    solo.add('phase.started', 'qa', { phase: 'qa', config: cfg('qa'), input: { idea: 'x', targetUsers: [], constraints: [] }, upstream: [], budget });
    await project(ds, [...s.messages(), ...solo.messages()], 2);
  });
  afterAll(async () => ds?.destroy());

  it('tracks each phase through gating and auto-fix to completion; an ended phase stays ended', async () => {
    const [intake, prd] = await listPhases(ds, s.runId);
    expect(intake).toMatchObject({ phase: 'intake', status: 'completed', level: 0, score: 0.9, gateAttempts: 1, tasksDone: 0, tasksTotal: 2, reason: null, usage, evidencePack: pack, parallelism: '2' });
    expect(intake.finishedAt!.getTime()).toBeGreaterThan(intake.startedAt!.getTime());
    expect(prd).toMatchObject({ phase: 'prd', status: 'blocked', level: 1, dependsOn: ['intake'], reason: 'waiting for a waiver', startedAt: null });
    expect(await listPhases(ds, solo.runId)).toEqual([expect.objectContaining({ phase: 'qa', status: 'running', agents: ['PRDWriterAgent'] })]);
  });
});

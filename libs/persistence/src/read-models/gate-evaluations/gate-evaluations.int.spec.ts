import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';
import { gateHistory, gateSuccessMetrics } from './gate-evaluations.queries';

const pack = { bucket: 'im-artifacts', name: 'f'.repeat(64), sha256: 'f'.repeat(64), size: 9, contentType: 'application/json', kind: 'evidence-pack' };
const guards = (ok: boolean) => [{ type: 'coverage', passed: ok, score: ok ? 1 : 0.2, detail: ok ? '6 stories' : '2 stories' }];

describe('gate evaluations read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const a = new EventScript();
  const b = new EventScript(undefined, { firstSeq: 100 });

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    a.add('gate.evaluated', 'prd', { phase: 'prd', gateAttempt: 1, score: 0.4, passThreshold: 0.7, guards: guards(false) });
    a.add('gate.failed', 'prd', { phase: 'prd', gateAttempt: 1, score: 0.4, reasons: ['coverage 2 < 5'], final: false });
    a.add('autofix.requested', 'prd', { phase: 'prd', gateAttempt: 1, strategy: 'add-missing-agents', reasons: ['coverage 2 < 5'] });
    a.add('gate.evaluated', 'prd', { phase: 'prd', gateAttempt: 2, score: 0.9, passThreshold: 0.7, guards: guards(true) });
    a.add('gate.passed', 'prd', { phase: 'prd', gateAttempt: 2, score: 0.9, evidencePack: pack, waived: false });
    a.add('gate.evaluated', 'intake', { phase: 'intake', gateAttempt: 1, score: 0.8, passThreshold: 0.7, guards: guards(true) });
    a.add('gate.passed', 'intake', { phase: 'intake', gateAttempt: 1, score: 0.8, evidencePack: pack, waived: true });
    b.add('gate.evaluated', 'prd', { phase: 'prd', gateAttempt: 1, score: 0.8, passThreshold: 0.7, guards: guards(true) });
    b.add('gate.passed', 'prd', { phase: 'prd', gateAttempt: 1, score: 0.8, evidencePack: pack, waived: false });
    await project(ds, [...a.messages(), ...b.messages()], 3);
  });
  afterAll(async () => ds?.destroy());

  it('get_gate_history: every attempt of a run in evaluation order, with guards, verdict and auto-fix', async () => {
    const h = await gateHistory(ds, a.runId);
    expect(h.map((g) => [g.phase, g.gateAttempt, g.outcome, g.score, g.waived, g.autofixStrategy])).toEqual([
      ['prd', 1, 'failed', 0.4, false, 'add-missing-agents'], ['prd', 2, 'passed', 0.9, false, null], ['intake', 1, 'passed', 0.8, true, null],
    ]);
    expect(h[0]).toMatchObject({ reasons: ['coverage 2 < 5'], final: false, passThreshold: 0.7, guards: guards(false) });
    expect(h[0].evaluatedAt! < h[0].decidedAt!).toBe(true);
    expect(await gateHistory(ds, 'no-such-run')).toEqual([]);
  });

  it('gate_success_metrics: pass rates and attempts to pass, by phase, across runs', async () => {
    const m = await gateSuccessMetrics(ds);
    expect(m).toEqual([
      { phase: 'intake', runs: 1, evaluations: 1, passed: 1, failed: 0, waived: 1, passRate: 1, avgScore: 0.8, avgAttemptsToPass: 1 },
      { phase: 'prd', runs: 2, evaluations: 3, passed: 2, failed: 1, waived: 0, passRate: 0.6667, avgScore: expect.closeTo(0.7, 9), avgAttemptsToPass: 1.5 },
    ]);
  });
});

import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';
import { costBreakdown, costByPhase } from './costs.queries';

const ref = { bucket: 'im-artifacts', name: '1'.repeat(64), sha256: '1'.repeat(64), size: 1, contentType: 'application/json', kind: 'task-result' };

describe('costs read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const s = new EventScript();

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    const paid = (phase: string, agent: string, tokens: number, usd: number, replayed = false) =>
      s.add('task.succeeded', `t-${agent}`, { taskId: `t-${agent}`, phase, agent, attempt: 1, result: ref, usage: { tokens, usd, toolMinutes: 0.5, wallclockMs: 1000 }, replayed });
    paid('prd', 'PRDWriterAgent', 1000, 0.3);
    paid('prd', 'PRDWriterAgent', 500, 0.1); // paid twice (a duplicate decision ran it again)
    paid('prd', 'UXFlowAgent', 200, 0.1);
    paid('qa', 'E2EAgent', 300, 0.5);
    paid('qa', 'E2EAgent', 300, 0.5, true); // served from the call journal
    s.again(1); // a republished copy counts once
    await project(ds, s.messages());
  });
  afterAll(async () => ds?.destroy());

  it('get_cost_breakdown: spend by phase, agent, provider and model, with shares; replayed calls are free', async () => {
    const b = await costBreakdown(ds, s.runId);
    expect(b).toEqual([
      { phase: 'prd', agent: 'PRDWriterAgent', provider: 'unknown', model: 'unknown', tasks: 2, tokens: 1500, usd: 0.4, toolMinutes: 1, wallclockMs: 2000, usdShare: 0.4 },
      { phase: 'prd', agent: 'UXFlowAgent', provider: 'unknown', model: 'unknown', tasks: 1, tokens: 200, usd: 0.1, toolMinutes: 0.5, wallclockMs: 1000, usdShare: 0.1 },
      { phase: 'qa', agent: 'E2EAgent', provider: 'unknown', model: 'unknown', tasks: 1, tokens: 300, usd: 0.5, toolMinutes: 0.5, wallclockMs: 1000, usdShare: 0.5 },
    ]);
  });

  it('cost_by_phase: a run\'s spend per phase', async () => {
    expect(await costByPhase(ds, s.runId)).toEqual([
      { phase: 'prd', tasks: 3, tokens: 1700, usd: 0.5, toolMinutes: 1.5, wallclockMs: 3000 },
      { phase: 'qa', tasks: 1, tokens: 300, usd: 0.5, toolMinutes: 0.5, wallclockMs: 1000 },
    ]);
    expect(await costByPhase(ds, 'other')).toEqual([]);
  });
});

import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';

const ref = (c: string, kind: string) => ({ bucket: 'im-artifacts', name: c.repeat(64), sha256: c.repeat(64), size: 42, contentType: 'application/json', kind });

describe('artifacts read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const s = new EventScript();

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    const t = { taskId: 't1', phase: 'prd', agent: 'PRDWriterAgent', attempt: 1 };
    s.add('artifact.stored', 't1', { ...t, artifact: ref('5', 'prd') });
    s.add('task.succeeded', 't1', { ...t, result: ref('6', 'task-result:PRDWriterAgent'), usage: { tokens: 1, usd: 0, toolMinutes: 0, wallclockMs: 1 }, replayed: false });
    s.add('artifact.stored', 't1', { ...t, attempt: 2, artifact: ref('5', 'prd') }); // same content again: one row, first provenance
    s.add('phase.aggregated', 'prd', { phase: 'prd', gateAttempt: 1, evidencePack: ref('7', 'evidence-pack'), taskCount: 1, usage: { tokens: 1, usd: 0, toolMinutes: 0, wallclockMs: 1 } });
    s.add('dossier.compiled', '_', { version: '1.0.0', signature: '8'.repeat(64), completeness: 100, missing: [], json: ref('8', 'dossier.json'), pdf: ref('9', 'dossier.pdf'), causeId: '01900000-0000-7000-8000-00000000000d' });
    await project(ds, s.messages());
  });
  afterAll(async () => ds?.destroy());

  it('records every stored object once, with where it came from', async () => {
    const rows = await ds.query(`SELECT kind, source, phase, task_id, agent, size::int, first_seq::int FROM rm.artifacts ORDER BY first_seq, kind`);
    expect(rows).toEqual([
      { kind: 'prd', source: 'artifact.stored', phase: 'prd', task_id: 't1', agent: 'PRDWriterAgent', size: 42, first_seq: 1 },
      { kind: 'task-result:PRDWriterAgent', source: 'task.result', phase: 'prd', task_id: 't1', agent: 'PRDWriterAgent', size: 42, first_seq: 2 },
      { kind: 'evidence-pack', source: 'evidence-pack', phase: 'prd', task_id: null, agent: null, size: 42, first_seq: 4 },
      { kind: 'dossier.json', source: 'dossier', phase: null, task_id: null, agent: null, size: 42, first_seq: 5 },
      { kind: 'dossier.pdf', source: 'dossier', phase: null, task_id: null, agent: null, size: 42, first_seq: 5 },
    ]);
  });
});

import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';

describe('knowledge map read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const s = new EventScript();

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    s.add('kmap.delta', 'critique', { phase: 'critique', taskId: 'q1', bindings: [{ question: 'Who waters the plants?', answer: 'The household', evidence: ['ev1'] }, { question: 'Offline?', answer: 'Yes', evidence: [] }] });
    s.add('kmap.delta', 'prd', { phase: 'prd', taskId: 'q2', bindings: [{ question: 'Who waters the plants?', answer: 'Each member, by turns', evidence: ['ev1', 'ev2'] }] });
    await project(ds, s.messages(), 1);
  });
  afterAll(async () => ds?.destroy());

  it('binds each question to its latest answer with evidence, counting revisions', async () => {
    const rows = await ds.query(`SELECT question, answer, evidence, phase, task_id, revisions, first_seq::int, last_seq::int FROM rm.kmap_bindings ORDER BY question`);
    expect(rows).toEqual([
      { question: 'Offline?', answer: 'Yes', evidence: [], phase: 'critique', task_id: 'q1', revisions: 1, first_seq: 1, last_seq: 1 },
      { question: 'Who waters the plants?', answer: 'Each member, by turns', evidence: ['ev1', 'ev2'], phase: 'prd', task_id: 'q2', revisions: 2, first_seq: 1, last_seq: 2 },
    ]);
  });
});

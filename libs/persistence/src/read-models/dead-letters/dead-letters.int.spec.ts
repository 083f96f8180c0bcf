import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';

describe('dead letters and skipped events', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const s = new EventScript();

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    s.add('task.quarantined', 't1', { taskId: 't1', phase: 'qa', agent: 'E2EAgent', attempt: 3, reason: 'gave up after 3 attempts' });
    s.raw(`im.evt.${s.runId}.task.t2`, '{"not json', 'm2');
    s.raw(`im.evt.${s.runId}.task.t3`, JSON.stringify({ hello: 'world' }), 'm3');
    s.raw(`im.evt.${s.runId}.cmd.api`, JSON.stringify({
      id: '01900000-0000-7000-8000-000000000001', type: 'ops.annotated', schemaVersion: 1, runId: s.runId, aggregateId: 'api', occurredAt: new Date().toISOString(),
      producer: { service: 'api', version: '1', instance: 'a' }, causationId: null, correlationId: '01900000-0000-7000-8000-000000000001', payload: { note: 'from a newer producer' },
    }), 'm4');
    await project(ds, s.messages());
  });
  afterAll(async () => ds?.destroy());

  it('records quarantined tasks and refused messages with the reason; counts events of unknown types', async () => {
    const dl = await ds.query(`SELECT seq::int, source, run_id, task_id, attempt, reason FROM rm.dead_letters ORDER BY seq`);
    expect(dl).toEqual([
      { seq: 1, source: 'task.quarantined', run_id: s.runId, task_id: 't1', attempt: 3, reason: 'gave up after 3 attempts' },
      { seq: 2, source: 'projector', run_id: s.runId, task_id: null, attempt: null, reason: expect.stringMatching(/^not JSON/) },
      { seq: 3, source: 'projector', run_id: s.runId, task_id: null, attempt: null, reason: expect.stringMatching(/^bad envelope/) },
    ]);
    expect(await ds.query(`SELECT seq::int, type, run_id FROM rm.skipped_events`)).toEqual([{ seq: 4, type: 'ops.annotated', run_id: s.runId }]);
    expect((await ds.query(`SELECT count(*)::int AS n FROM rm.events`))[0].n).toBe(1);
  });
});

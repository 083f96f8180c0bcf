import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';

describe('timers read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const s = new EventScript(undefined, { start: Date.now() - 20 * 86400_000 });
  const soon = new Date(Date.now() + 3600_000).toISOString();
  const past = new Date(Date.now() - 3600_000).toISOString();

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    s.add('timer.scheduled', 'a', { timerId: 'a', dueAt: soon, purpose: 'retry t1 (attempt 2)', action: { kind: 'retry-task', phase: 'prd', taskId: 't-a', attempt: 2 } });
    s.add('timer.scheduled', 'b', { timerId: 'b', dueAt: past, purpose: 'retry t2 (attempt 2)', action: { kind: 'retry-task', phase: 'prd', taskId: 't-b', attempt: 2 } });
    s.add('timer.scheduled', 'c', { timerId: 'c', dueAt: past, purpose: 'deadline', action: { kind: 'retry-task', phase: 'prd', taskId: 't-c', attempt: 2 } });
    s.add('timer.fired', 'c', { timerId: 'c', firedAt: new Date(Date.now() - 15 * 86400_000).toISOString(), action: { kind: 'retry-task', phase: 'prd', taskId: 't-c', attempt: 2 } });
    s.add('timer.fired', 'c', { timerId: 'c', firedAt: new Date().toISOString(), action: { kind: 'retry-task', phase: 'prd', taskId: 't-c', attempt: 2 } });
    s.add('timer.fired', 'd', { timerId: 'd', firedAt: new Date().toISOString(), action: { kind: 'retry-task', phase: 'prd', taskId: 't-d', attempt: 2 } });
    await project(ds, s.messages());
  });
  afterAll(async () => ds?.destroy());

  it('fires a timer once and lists pending ones by due time, overdue flagged', async () => {
    const rows = await ds.query(`SELECT timer_id, purpose, overdue FROM rm.pending_timers`);
    expect(rows).toEqual([{ timer_id: 'b', purpose: 'retry t2 (attempt 2)', overdue: true }, { timer_id: 'a', purpose: 'retry t1 (attempt 2)', overdue: false }]);
    const c = (await ds.query(`SELECT status, fired_at FROM rm.timers WHERE timer_id = 'c'`))[0];
    expect(c.status).toBe('fired');
    expect(Date.now() - c.fired_at.getTime()).toBeGreaterThan(14 * 86400_000); // the first firing counts
  });

  it('cleanup_fired_timers removes fired timers older than the cut-off only', async () => {
    expect((await ds.query(`SELECT rm.cleanup_fired_timers(7)::int AS n`))[0].n).toBe(1);
    expect((await ds.query(`SELECT timer_id FROM rm.timers ORDER BY 1`)).map((r: { timer_id: string }) => r.timer_id)).toEqual(['a', 'b', 'd']);
  });
});

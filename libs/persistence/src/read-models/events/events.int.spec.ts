import type { DataSource } from 'typeorm';
import { useTestInfra } from '../../../../../test/harness';
import { EventScript, migratedDataSource, project } from '../../testing';
import { InvalidCursorError } from '../../errors';
import { listRunEvents, runTimeline } from './events.queries';

const budget = { tokens: 1, usd: 1, toolMinutes: 1, wallclockMinutes: 1 };

describe('events read model', () => {
  const infra = useTestInfra();
  let ds: DataSource;
  const oldRun = new EventScript(undefined, { start: Date.now() - 40 * 86400_000 });
  const liveRun = new EventScript(undefined, { start: Date.now() - 40 * 86400_000, firstSeq: 100 });

  beforeAll(async () => {
    ds = await migratedDataSource(infra().databaseUrl);
    for (const s of [oldRun, liveRun]) {
      s.add('run.requested', '_', { input: { idea: 'timeline', targetUsers: [], constraints: [] }, budget, configSet: 'default', phases: [] });
      s.add('run.started', '_', {}, { ms: 2500 });
      s.add('phase.blocked', 'intake', { phase: 'intake', reason: 'a person must answer' }, { ms: 500 });
    }
    oldRun.add('run.cancelled', '_', { reason: 'done with it' }, { ms: 1000 });
    oldRun.again(2);
    await project(ds, [...oldRun.messages(), ...liveRun.messages()]);
  });
  afterAll(async () => ds?.destroy());

  it('keeps each envelope byte for byte as published, once, in stream order, paginated by stream sequence', async () => {
    const published = liveRun.messages().map((m) => JSON.parse(Buffer.from(m.data).toString('utf8')));
    const first = await listRunEvents(ds, liveRun.runId, { limit: 2 });
    expect(first.items).toEqual(published.slice(0, 2));
    expect(first.nextCursor).toBe('101');
    const rest = await listRunEvents(ds, liveRun.runId, { limit: 2, cursor: first.nextCursor! });
    expect(rest).toEqual({ items: published.slice(2), nextCursor: null });
    const text = (await ds.query(`SELECT envelope::text AS t FROM rm.events WHERE seq = 100`))[0].t;
    expect(text).toBe(Buffer.from(liveRun.messages()[0].data).toString('utf8'));
    // The republished copy of seq 2 was left out.
    expect((await listRunEvents(ds, oldRun.runId, { limit: 50 })).items).toHaveLength(4);
    await expect(listRunEvents(ds, liveRun.runId, { limit: 2, cursor: 'abc' })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('run_timeline: events of a run in order with the time since its first one', async () => {
    const t = await runTimeline(ds, oldRun.runId, { limit: 10 });
    expect(t.items.map((e) => [e.type, e.aggregate, e.aggregateId, e.sinceStartMs])).toEqual([
      ['run.requested', 'run', '_', 0], ['run.started', 'run', '_', 2500], ['phase.blocked', 'phase', 'intake', 3000], ['run.cancelled', 'run', '_', 4000],
    ]);
    const page = await runTimeline(ds, oldRun.runId, { limit: 3 });
    expect(page.nextCursor).toBe('3');
    expect((await runTimeline(ds, oldRun.runId, { limit: 3, cursor: page.nextCursor! })).items.map((e) => e.type)).toEqual(['run.cancelled']);
  });

  it('cleanup_old_events removes only events of runs that ended before the cut-off', async () => {
    const [{ n }] = await ds.query(`SELECT rm.cleanup_old_events(30)::int AS n`);
    expect(n).toBe(4);
    expect((await ds.query(`SELECT DISTINCT run_id FROM rm.events`)).map((r: { run_id: string }) => r.run_id)).toEqual([liveRun.runId]);
    expect((await ds.query(`SELECT rm.cleanup_old_events(30)::int AS n`))[0].n).toBe(0);
  });
});

import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { loadJetStreamSpec, provisionJetStream } from '@ideamine/jetstream';
import { useTestInfra } from '../../../../test/harness';
import { PoisonEventError, ReplayAbortedError } from '../errors';
import { verifyLedger } from '../read-models/ledger/ledger.verify';
import { READ_MODELS, readModel } from '../read-models/registry';
import { EventScript, generateWorkload, migratedDataSource, publishMessages } from '../testing';
import { readModelChecksums } from './checksums';
import { projectStream, ReadModelProjector } from './project-stream';
import { replayReadModels } from './replay';
import { ensureReadModels } from './schema';

const tableOid = async (ds: DataSource, table: string) => (await ds.query(`SELECT $1::regclass::oid::int AS oid`, [`rm.${table}`]))[0].oid;
const schemaExists = async (ds: DataSource, s: string) => (await ds.query(`SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = $1`, [s]))[0].n === 1;

/** Replay against real NATS and Postgres: identical tables, resumable, partial, concurrent with the live projector. */
describe('replayReadModels', () => {
  const infra = useTestInfra();
  let nc: NatsConnection;
  let ds: DataSource;
  let live: Record<string, string>;
  const workload = generateWorkload({ runs: 8, seed: 7, faults: true });

  beforeAll(async () => {
    nc = await connect({ servers: infra().natsUrl });
    await provisionJetStream(await nc.jetstreamManager(), nc.jetstream(), loadJetStreamSpec(join(__dirname, '..', '..', '..', '..', 'deploy', 'nats', 'jetstream.yaml')));
    await publishMessages(nc.jetstream(), workload);
    ds = await migratedDataSource(infra().databaseUrl);
    // The "live" read models, as the projector built them batch by batch.
    await projectStream(nc.jetstream(), new ReadModelProjector(ds), undefined, undefined, undefined, 150);
    live = await readModelChecksums(ds);
  }, 60_000);
  afterAll(async () => {
    await ds?.destroy();
    await nc?.close();
  });

  it('rebuilds every read model into new tables and swaps them in: identical to the live ones', async () => {
    const before = await tableOid(ds, 'tasks');
    const r = await replayReadModels(ds, nc.jetstream(), await nc.jetstreamManager(), { batchSize: 400 });
    expect(r).toMatchObject({
      lastSeq: workload.length, resumedFrom: 0, applied: workload.filter((m) => m.kind === 'event').length,
      duplicates: workload.filter((m) => m.kind === 'duplicate').length, rejected: workload.filter((m) => m.kind === 'invalid').length,
      unknownTypes: { 'ops.annotated': workload.filter((m) => m.kind === 'unknown').length },
    });
    expect(await tableOid(ds, 'tasks')).not.toBe(before);
    expect(await readModelChecksums(ds)).toEqual(live);
    expect(await verifyLedger(ds)).toMatchObject({ ok: true });
    expect(await schemaExists(ds, 'rm_replay')).toBe(false);
    // Same keys, indexes and names as before (indexes were built after the load): nothing for TypeORM to change.
    expect((await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query).filter((q) => !q.includes('event_ids'))).toEqual([]);
    // The views are back, over the new tables.
    expect((await ds.query(`SELECT count(*)::int AS n FROM rm.recent_run_summary`))[0].n).toBe(8);
  });

  it('interrupted, then run again: resumes where it stopped, with the same result', async () => {
    const abort = new AbortController();
    let batches = 0;
    const err = await replayReadModels(ds, nc.jetstream(), await nc.jetstreamManager(), {
      batchSize: 300,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase === 'replaying' && ++batches === 3) abort.abort();
      },
    }).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(ReplayAbortedError);
    // Stops between batches, at most one batch after the request (writers run one batch apart).
    expect([900, 1200]).toContain(err.seq);
    expect(await schemaExists(ds, 'rm_replay')).toBe(true);
    expect(await readModelChecksums(ds)).toEqual(live); // the live tables kept serving, untouched
    const again = await replayReadModels(ds, nc.jetstream(), await nc.jetstreamManager(), { batchSize: 300 });
    expect(again.resumedFrom).toBe(err.seq);
    expect(again.applied).toBeLessThan(workload.length - 800);
    expect(await readModelChecksums(ds)).toEqual(live);
  });

  it('rebuilds only the named read models (deduplicating without the events table), leaving the others alone', async () => {
    const runsOid = await tableOid(ds, 'runs');
    const tasksOid = await tableOid(ds, 'tasks');
    const r = await replayReadModels(ds, nc.jetstream(), await nc.jetstreamManager(), { projections: ['tasks', 'costs'] });
    expect(r.projections).toEqual(['tasks', 'costs']);
    expect(await tableOid(ds, 'runs')).toBe(runsOid);
    expect(await tableOid(ds, 'tasks')).not.toBe(tasksOid);
    expect(await readModelChecksums(ds)).toEqual(live);
    await expect(replayReadModels(ds, nc.jetstream(), await nc.jetstreamManager(), { projections: ['nope'] })).rejects.toMatchObject({ code: 'IM_UNKNOWN_PROJECTION' });
  });

  it('runs while the live projector keeps writing; the projector carries on over the swapped tables', async () => {
    const more = generateWorkload({ runs: 3, seed: 99, faults: true, startTime: Date.UTC(2026, 1, 1) });
    const writer = new ReadModelProjector(ds);
    let stop = false;
    const liveLoop = (async () => {
      while (!stop) {
        await projectStream(nc.jetstream(), writer, undefined, undefined, undefined, 50);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const publishing = publishMessages(nc.jetstream(), more, 16);
    const r = await replayReadModels(ds, nc.jetstream(), await nc.jetstreamManager(), { batchSize: 200 });
    await publishing;
    stop = true;
    await liveLoop;
    await projectStream(nc.jetstream(), writer);
    const total = workload.length + more.length;
    expect(r.lastSeq).toBeGreaterThan(workload.length);
    expect(Number((await ds.query(`SELECT min(last_seq) AS s FROM rm.checkpoint`))[0].s)).toBe(total);
    const fresh = await migratedDataSource(await infra().createDatabase('replay_fresh'));
    try {
      await projectStream(nc.jetstream(), new ReadModelProjector(fresh));
      expect(await readModelChecksums(ds)).toEqual(await readModelChecksums(fresh));
    } finally {
      await fresh.destroy();
    }
    expect(await verifyLedger(ds)).toMatchObject({ ok: true, checked: total - more.filter((m) => m.kind !== 'event').length - workload.filter((m) => m.kind !== 'event').length });
    live = await readModelChecksums(ds);
  });

  it('rebuilds a read model whose stored version is not the code version, and records the new version', async () => {
    await ds.query(`UPDATE rm.checkpoint SET version = 0 WHERE projection = 'timers'`);
    expect((await ensureReadModels(ds, READ_MODELS)).stale).toEqual([{ name: 'timers', storedVersion: 0, codeVersion: readModel('timers').version }]);
    await replayReadModels(ds, nc.jetstream(), await nc.jetstreamManager(), { projections: ['timers'] });
    expect((await ensureReadModels(ds, READ_MODELS)).stale).toEqual([]);
    expect(await readModelChecksums(ds)).toEqual(live);
  });

  it('stops at a poison event with its sequence, type and reason, keeps what came before, and stops there again', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'POISON_EVT', subjects: ['px.>'] });
    const s = new EventScript();
    for (let i = 0; i < 30; i++) s.add('timer.scheduled', `t${i}`, { timerId: `t${i}`, dueAt: new Date(Date.UTC(2026, 0, 6)).toISOString(), purpose: 'x', action: { kind: 'retry-task', phase: 'prd', taskId: `t${i}`, attempt: 2 } });
    s.add('task.claimed', 'tp', { taskId: 'tp', phase: 'intake', agent: 'IdeaParserAgent', attempt: 9_000_000_000, workerId: 'w', leaseMs: 1, resumedFromStep: 0 });
    for (let i = 0; i < 5; i++) s.add('run.started', '_', {});
    for (const m of s.messages()) await nc.jetstream().publish(`px.${m.seq}`, m.data);
    const other = await migratedDataSource(await infra().createDatabase('replay_poison'));
    try {
      const run = () => replayReadModels(other, nc.jetstream(), jsm, { stream: 'POISON_EVT', batchSize: 8 }).then(() => undefined, (e) => e);
      const err = await run();
      expect(err).toBeInstanceOf(PoisonEventError);
      expect(err).toMatchObject({ seq: 31, type: 'task.claimed' });
      expect(err.reason).toMatch(/out of range for type integer/);
      expect(Number((await other.query(`SELECT min(last_seq) AS s FROM rm_replay.checkpoint`))[0].s)).toBe(30);
      expect(await run()).toMatchObject({ seq: 31 });
    } finally {
      await other.destroy();
    }
  });
});

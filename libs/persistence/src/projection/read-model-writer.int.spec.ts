import type { DataSource } from 'typeorm';
import { uuidv7 } from '@ideamine/contracts';
import { useTestInfra } from '../../../../test/harness';
import { PoisonEventError } from '../errors';
import { verifyLedger } from '../read-models/ledger/ledger.verify';
import { asStream, EventScript, generateWorkload, migratedDataSource, project } from '../testing';
import { readModelChecksums } from './checksums';
import { ReadModelProjector } from './project-stream';

/** The batch writer against real Postgres: exactly once, batch-size independent, faults, poison. */
describe('ReadModelWriter', () => {
  const infra = useTestInfra();
  const workload = generateWorkload({ runs: 6, seed: 42, faults: true });
  const stream = asStream(workload);
  const count = (k: string) => workload.filter((m) => m.kind === k).length;
  let ds: DataSource;
  let reference: Record<string, string>;

  beforeAll(async () => {
    ds = await migratedDataSource(await infra().createDatabase('writer_main'));
  });
  afterAll(async () => ds?.destroy());

  it('projects a realistic workload with faults: duplicates left out, invalid messages dead-lettered, unknown types counted', async () => {
    expect(count('duplicate')).toBeGreaterThan(0);
    expect(count('invalid')).toBeGreaterThan(0);
    expect(count('unknown')).toBeGreaterThan(0);
    const w = new ReadModelProjector(ds);
    const totals = { applied: 0, duplicates: 0, rejected: 0, unknown: 0, statements: 0, batches: 0 };
    for (let i = 0; i < stream.length; i += 300) {
      const r = await w.applyBatch(stream.slice(i, i + 300));
      totals.applied += r.applied;
      totals.duplicates += r.duplicates;
      totals.rejected += r.rejected.length;
      totals.unknown += r.unknown.length;
      totals.statements += r.statements;
      totals.batches++;
    }
    expect(totals).toMatchObject({ applied: count('event'), duplicates: count('duplicate'), rejected: count('invalid'), unknown: count('unknown') });
    // A few statements per table per batch, not per event.
    expect(totals.statements / totals.batches).toBeLessThan(40);
    const n = async (sql: string) => (await ds.query(sql))[0].n;
    expect(await n('SELECT count(*)::int AS n FROM rm.events')).toBe(count('event'));
    expect(await n(`SELECT count(*)::int AS n FROM rm.dead_letters WHERE source = 'projector'`)).toBe(count('invalid'));
    expect(await n(`SELECT count(*)::int AS n FROM rm.skipped_events WHERE type = 'ops.annotated'`)).toBe(count('unknown'));
    expect(await n(`SELECT max(last_seq)::int AS n FROM rm.checkpoint`)).toBe(stream.length);
    expect(await verifyLedger(ds)).toMatchObject({ ok: true, checked: count('event') });
    reference = await readModelChecksums(ds);
  });

  it('applies each event exactly once, however often and in whatever batches it is delivered', async () => {
    const w = new ReadModelProjector(ds);
    const again = await w.applyBatch([...stream].reverse().slice(0, 700));
    expect(again).toMatchObject({ applied: 0, skipped: 700 });
    expect(await readModelChecksums(ds)).toEqual(reference);
  });

  it('gives the same tables whatever the batch size (changes collapsed per batch equal one at a time)', async () => {
    for (const size of [1, 37]) {
      const other = await migratedDataSource(await infra().createDatabase(`writer_batch_${size}`));
      try {
        // Batch size 1 for the first 400 messages only: slow, and enough to cross every kind of event.
        await project(other, size === 1 ? stream.slice(0, 400) : stream, size);
        if (size === 1) await project(other, stream.slice(400), 250);
        expect(await readModelChecksums(other)).toEqual(reference);
      } finally {
        await other.destroy();
      }
    }
  });

  it('two writers (replicas) taking turns on one database give the tables one writer gives', async () => {
    const other = await migratedDataSource(await infra().createDatabase('writer_replicas'));
    try {
      const a = new ReadModelProjector(other);
      const b = new ReadModelProjector(other);
      // Overlapping, out-of-order deliveries to both; each must notice what the other committed.
      for (let i = 0; i < stream.length; i += 200) {
        await Promise.all([a.applyBatch(stream.slice(i, i + 250)), b.applyBatch(stream.slice(Math.max(0, i - 50), i + 200))]);
      }
      await a.applyBatch(stream.slice(-300));
      expect(await readModelChecksums(other)).toEqual(reference);
      expect(await verifyLedger(other)).toMatchObject({ ok: true });
    } finally {
      await other.destroy();
    }
  });

  it('stops at a poison event, naming its sequence, type and why, with everything before it committed', async () => {
    const other = await migratedDataSource(await infra().createDatabase('writer_poison'));
    try {
      const s = new EventScript(uuidv7());
      s.add('run.requested', '_', { input: { idea: 'poison', targetUsers: [], constraints: [] }, budget: { tokens: 1, usd: 1, toolMinutes: 1, wallclockMinutes: 1 }, configSet: 'default', phases: [] });
      s.add('task.scheduled', 'intake', { taskId: 't1', phase: 'intake', agent: 'IdeaParserAgent', attempt: 1, idempotenceKey: 'a'.repeat(64), pool: 'default', budget: { tokens: 1, usd: 1, toolMinutes: 1, wallclockMinutes: 1 }, gateAttempt: 1, shard: 0, iteration: 0 });
      // Valid for the schema (no maximum), but no attempt number fits in an integer column.
      const poisonId = s.add('task.claimed', 't1', { taskId: 't1', phase: 'intake', agent: 'IdeaParserAgent', attempt: 3_000_000_000, workerId: 'w', leaseMs: 1000, resumedFromStep: 0 });
      s.add('run.started', '_', {});
      const w = new ReadModelProjector(other);
      const err: PoisonEventError = await w.applyBatch(s.messages()).then(() => undefined, (e) => e);
      expect(err).toBeInstanceOf(PoisonEventError);
      expect(err).toMatchObject({ code: 'IM_POISON_EVENT', seq: 3, type: 'task.claimed', eventId: poisonId });
      expect(err.reason).toMatch(/out of range/);
      expect(err.message).toMatch(/seq 3 \(task\.claimed/);
      const cp = await other.query(`SELECT DISTINCT last_seq::int AS s FROM rm.checkpoint`);
      expect(cp).toEqual([{ s: 2 }]);
      expect((await other.query(`SELECT status FROM rm.tasks WHERE task_id = 't1'`))[0].status).toBe('scheduled');
      // Retrying does not skip it.
      await expect(w.applyBatch(s.messages())).rejects.toMatchObject({ seq: 3 });
    } finally {
      await other.destroy();
    }
  });
});

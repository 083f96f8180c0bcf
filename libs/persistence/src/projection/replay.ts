import type { DataSource, QueryRunner } from 'typeorm';
import type { JetStreamClient, JetStreamManager } from 'nats';
import { canonicalJson, STREAMS } from '@ideamine/contracts';
import { ReplayAbortedError, ReplayInProgressError } from '../errors';
import { eventIdsProjection, READ_MODELS, readModel } from '../read-models/registry';
import { CheckpointEntity } from './checkpoint.entity';
import type { Projection } from './projection';
import { BatchReport, decodeBatch, ReadModelWriter } from './read-model-writer';
import { createMissingIndexes, createProjectionTables, createSqlObjects, createTables, dropViews, ensureReadModels, SCHEMA_LOCK } from './schema';
import { LIVE_SCHEMA, quoteIdent, REPLAY_SCHEMA } from './sql';
import { readBatches, streamLastSeq } from './stream-source';

export interface ReplayProgress {
  phase: 'preparing' | 'replaying' | 'swapping' | 'done';
  /** Last stream sequence applied to the new tables. */
  seq: number;
  /** Where this run started (after what an interrupted run had done). */
  fromSeq: number;
  /** The stream's end when this pass started; grows while the live projector keeps writing. */
  targetSeq: number;
  applied: number;
  duplicates: number;
  rejected: number;
  unknown: number;
}

export interface ReplayOptions {
  /** Read models to rebuild (registry names); all when omitted. */
  projections?: string[];
  batchSize?: number;
  onProgress?: (p: ReplayProgress) => void;
  /** Aborting stops between batches; what was done is kept, and the next replay resumes from it. */
  signal?: AbortSignal;
  stream?: string;
}

export interface ReplayReport {
  projections: string[];
  /** Stream sequence the swapped-in tables are at. */
  lastSeq: number;
  /** Stream sequence an interrupted replay had reached when this one resumed (0: fresh start). */
  resumedFrom: number;
  applied: number;
  duplicates: number;
  rejected: number;
  /** Events of types this code does not know, by type: skipped. */
  unknownTypes: Record<string, number>;
  /** Set when an unfinished replay of other read models was discarded. */
  discarded?: string[];
}

interface Plan {
  projections: { name: string; version: number }[];
  stream: string;
  streamCreated: string;
}

const REPLAY_LOCK = 7_270_003;
// Compared canonically: the manifest comes back from jsonb with its keys reordered.
const sameManifest = (a: Plan, b: Plan) => canonicalJson(a) === canonicalJson(b);

/**
 * Rebuilds read models from IM_EVENTS without taking them away from the API: fills new tables in
 * schema rm_replay while the live ones keep serving and the live projector keeps writing them, then
 * in one transaction (live checkpoint locked, so the projector waits) applies what arrived
 * meanwhile, drops the old tables, moves the new ones into rm and records their positions.
 * Interrupted (killed, aborted, a poison event), it leaves rm_replay with its checkpoints; the next
 * replay of the same read models resumes there, and the result is the same as an uninterrupted one.
 */
export async function replayReadModels(ds: DataSource, js: JetStreamClient, jsm: JetStreamManager, opts: ReplayOptions = {}): Promise<ReplayReport> {
  const selected: Projection[] = opts.projections?.length ? [...new Set(opts.projections)].map(readModel) : [...READ_MODELS];
  // Keep registry order (views and swap order follow it).
  selected.sort((a, b) => READ_MODELS.indexOf(a) - READ_MODELS.indexOf(b));
  const batchSize = opts.batchSize ?? 2000;
  const stream = opts.stream ?? STREAMS.events;
  const lock = ds.createQueryRunner();
  await lock.connect();
  try {
    const [{ ok }] = await lock.query('SELECT pg_try_advisory_lock($1) AS ok', [REPLAY_LOCK]);
    if (!ok) throw new ReplayInProgressError();
    await ensureReadModels(ds, READ_MODELS);
    const info = await jsm.streams.info(stream);
    const plan: Plan = { projections: selected.map((p) => ({ name: p.name, version: p.version })), stream, streamCreated: String(info.created) };
    const writing = selected.some((p) => p.dedupe) ? selected : [...selected, eventIdsProjection];
    const { resumed, discarded } = await prepareStaging(ds, plan, writing);
    // Three writers in parallel, each its own transactions and checkpoints (exactly once per
    // projection): the deduplicating table first, then the ledger and the other read models with
    // its verdicts, one batch behind it. Postgres then works on two or three batches at once.
    const store = writing.find((p) => p.dedupe)!;
    const groups = [[store], writing.filter((p) => p === ledgerOf(writing)), writing.filter((p) => p !== store && p !== ledgerOf(writing))].filter((g) => g.length);
    const [dedupeWriter, ...others] = groups.map((g, i) => new ReadModelWriter(ds, REPLAY_SCHEMA, g, { ...(i === 0 ? {} : { dedupeFrom: store }), freshTables: !resumed }));
    const start = Math.min(...(await Promise.all([dedupeWriter, ...others].map((w) => w.position()))));
    const totals = { applied: 0, duplicates: 0, rejected: 0, unknownTypes: {} as Record<string, number> };
    const count = (r: BatchReport) => {
      totals.applied += r.applied;
      totals.duplicates += r.duplicates;
      totals.rejected += r.rejected.length;
      for (const u of r.unknown) totals.unknownTypes[u.type] = (totals.unknownTypes[u.type] ?? 0) + 1;
    };
    const progress = (phase: ReplayProgress['phase'], seq: number, targetSeq: number) =>
      opts.onProgress?.({ phase, seq, fromSeq: start, targetSeq, applied: totals.applied, duplicates: totals.duplicates, rejected: totals.rejected, unknown: Object.values(totals.unknownTypes).reduce((a, b) => a + b, 0) });

    let pos = start;
    progress('preparing', pos, info.state.last_seq);
    // Passes until the stream end is close enough to catch up inside the swap transaction.
    for (;;) {
      const target = await streamLastSeq(jsm, stream);
      if (target - pos <= batchSize) break;
      let behind: Promise<void> = Promise.resolve();
      const batches = readBatches(js, pos + 1, target, batchSize, stream)[Symbol.asyncIterator]();
      try {
        let next = await batches.next();
        let decoded = next.done ? undefined : decodeBatch(next.value);
        while (decoded && !opts.signal?.aborted) {
          const writing = dedupeWriter.applyDecoded(decoded);
          // Awaited below; marked handled now so a failure meanwhile is not an unhandled rejection.
          writing.catch(() => undefined);
          // Decode the next batch while Postgres writes this one.
          next = await batches.next();
          const following = next.done ? undefined : decodeBatch(next.value);
          const r = await writing;
          await behind;
          const current = decoded;
          behind = Promise.all(others.map((w) => w.applyDecoded(current, { hint: r.dedupe }))).then(() => {
            count(r);
            pos = r.lastSeq;
            progress('replaying', pos, target);
          });
          behind.catch(() => undefined);
          decoded = following;
        }
      } finally {
        await behind;
        await batches.return?.(undefined);
      }
      if (opts.signal?.aborted) throw new ReplayAbortedError(pos);
    }
    if (opts.signal?.aborted) throw new ReplayAbortedError(pos);
    progress('swapping', pos, await streamLastSeq(jsm, stream));
    await buildIndexes(ds, writing);
    pos = await swap(ds, js, jsm, new ReadModelWriter(ds, REPLAY_SCHEMA, writing), selected, pos, batchSize, stream, count);
    progress('done', pos, pos);
    return { projections: selected.map((p) => p.name), lastSeq: pos, resumedFrom: resumed ? start : 0, applied: totals.applied, duplicates: totals.duplicates, rejected: totals.rejected, unknownTypes: totals.unknownTypes, ...(discarded ? { discarded } : {}) };
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [REPLAY_LOCK]).catch(() => undefined);
    await lock.release();
  }
}

/** Reuses rm_replay when it was left by a replay of the same plan, otherwise starts it afresh. */
async function prepareStaging(ds: DataSource, plan: Plan, writing: Projection[]): Promise<{ resumed: boolean; discarded?: string[] }> {
  const s = quoteIdent(REPLAY_SCHEMA);
  const exists = (await ds.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'manifest'`, [REPLAY_SCHEMA])).length > 0;
  let discarded: string[] | undefined;
  if (exists) {
    const rows: { plan: Plan }[] = await ds.query(`SELECT plan FROM ${s}.manifest`);
    if (rows.length && sameManifest(rows[0].plan, plan)) return { resumed: true };
    discarded = rows[0]?.plan.projections.map((p) => p.name) ?? [];
  }
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    await qr.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await qr.query(`CREATE SCHEMA ${s}`);
    await createTables(qr, ds, REPLAY_SCHEMA, [CheckpointEntity]);
    await createProjectionTables(qr, ds, REPLAY_SCHEMA, writing, { indexes: false });
    for (const p of writing) await qr.query(`INSERT INTO ${s}.checkpoint (projection, version, last_seq) VALUES ($1, $2, 0)`, [p.name, p.version]);
    await qr.query(`CREATE TABLE ${s}.manifest (plan jsonb NOT NULL)`);
    await qr.query(`INSERT INTO ${s}.manifest (plan) VALUES ($1)`, [JSON.stringify(plan)]);
    await qr.commitTransaction();
  } catch (err) {
    await qr.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    await qr.release();
  }
  return { resumed: false, discarded };
}

const ledgerOf = (ps: Projection[]) => ps.find((p) => p.name === 'ledger');

async function buildIndexes(ds: DataSource, writing: Projection[]): Promise<void> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await createMissingIndexes(qr, ds, REPLAY_SCHEMA, writing.flatMap((p) => p.entities));
  } finally {
    await qr.release();
  }
}

async function swap(
  ds: DataSource, js: JetStreamClient, jsm: JetStreamManager, writer: ReadModelWriter, selected: Projection[], pos: number, batchSize: number, stream: string,
  count: (r: BatchReport) => void,
): Promise<number> {
  const live = quoteIdent(LIVE_SCHEMA);
  const staging = quoteIdent(REPLAY_SCHEMA);
  const qr: QueryRunner = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    await qr.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    // The live projector locks its checkpoint rows first thing in every batch, so it now waits;
    // a table lock (not row locks) also keeps it from holding any read-model table we drop.
    await qr.query(`LOCK TABLE ${live}.checkpoint IN ACCESS EXCLUSIVE MODE`);
    const rows: { last_seq: string }[] = await qr.query(`SELECT last_seq FROM ${live}.checkpoint WHERE projection = ANY($1::text[])`, [selected.map((p) => p.name)]);
    // Up to the live position and the stream's end, so nothing the projector has not seen is lost
    // and the new tables are not behind the old ones.
    const target = Math.max(await streamLastSeq(jsm, stream), ...rows.map((r) => Number(r.last_seq)));
    for await (const batch of readBatches(js, pos + 1, target, batchSize, stream)) {
      const r = await writer.applyBatch(batch, qr);
      count(r);
      pos = r.lastSeq;
    }
    await dropViews(qr, LIVE_SCHEMA, READ_MODELS);
    for (const entity of selected.flatMap((p) => p.entities)) {
      const table = quoteIdent(ds.getMetadata(entity).tableName);
      await qr.query(`DROP TABLE IF EXISTS ${live}.${table} CASCADE`);
      await qr.query(`ALTER TABLE ${staging}.${table} SET SCHEMA ${live}`);
    }
    await qr.query(
      `INSERT INTO ${live}.checkpoint (projection, version, last_seq, last_msg_id)
       SELECT projection, version, last_seq, last_msg_id FROM ${staging}.checkpoint WHERE projection = ANY($1::text[])
       ON CONFLICT (projection) DO UPDATE SET version = EXCLUDED.version, last_seq = EXCLUDED.last_seq, last_msg_id = EXCLUDED.last_msg_id`,
      [selected.map((p) => p.name)],
    );
    await createSqlObjects(qr, LIVE_SCHEMA, READ_MODELS);
    await qr.query(`DROP SCHEMA ${staging} CASCADE`);
    await qr.commitTransaction();
    return pos;
  } catch (err) {
    await qr.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    await qr.release();
  }
}

import type { DataSource } from 'typeorm';
import type { JetStreamClient } from 'nats';
import { STREAMS } from '@ideamine/contracts';
import { readStream } from '@ideamine/jetstream';
import { ReadModelProjector, StoredEvent } from './read-model-projector';
import { READ_MODEL_TABLES } from './checksums';
import { LIVE_SCHEMA, PROJECTION, PROJECTION_VERSION, REBUILD_SCHEMA } from './sql';

export interface RebuildProgress {
  (info: { phase: 'replaying' | 'swapping' | 'done'; seq: number; applied: number }): void;
}

/**
 * Applies the stream from `fromSeq` (up to `toSeq`, or its current end) to a projector in batches;
 * returns the last sequence applied. Used by rebuilds and by anything that projects from scratch.
 */
export async function projectStream(js: JetStreamClient, projector: ReadModelProjector, fromSeq = 1, toSeq?: number, onProgress?: RebuildProgress): Promise<number> {
  let batch: StoredEvent[] = [];
  let applied = 0;
  let last = fromSeq - 1;
  const flush = async () => {
    if (!batch.length) return;
    const r = await projector.applyBatch(batch);
    applied += r.applied;
    last = r.lastSeq;
    batch = [];
    onProgress?.({ phase: 'replaying', seq: last, applied });
  };
  for await (const m of readStream(js, STREAMS.events, { fromSeq })) {
    if (toSeq !== undefined && m.seq > toSeq) break;
    batch.push({ seq: m.seq, subject: m.subject, data: m.data });
    if (batch.length >= 500) await flush();
    if (toSeq !== undefined && m.seq >= toSeq) break;
  }
  await flush();
  return last;
}

/**
 * Rebuilds every read model from the event stream without taking the API down: replays into
 * "rm_next" while "rm" keeps serving, then, holding the live checkpoint lock, replays what the live
 * projector added meanwhile and swaps the schemas in one transaction.
 */
export async function rebuildReadModels(ds: DataSource, js: JetStreamClient, onProgress?: RebuildProgress): Promise<{ lastSeq: number }> {
  await ds.query(`DROP SCHEMA IF EXISTS ${REBUILD_SCHEMA} CASCADE`);
  await ds.query(`CREATE SCHEMA ${REBUILD_SCHEMA}`);
  for (const table of Object.keys(READ_MODEL_TABLES)) {
    await ds.query(`CREATE TABLE ${REBUILD_SCHEMA}.${table} (LIKE ${LIVE_SCHEMA}.${table} INCLUDING ALL)`);
  }
  await ds.query(`CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ${REBUILD_SCHEMA}.ledger FOR EACH ROW EXECUTE FUNCTION public.im_ledger_append_only()`);
  await ds.query(`INSERT INTO ${REBUILD_SCHEMA}.checkpoint (projection, version, last_seq) VALUES ($1, $2, 0)`, [PROJECTION, PROJECTION_VERSION]);
  const next = new ReadModelProjector(ds, REBUILD_SCHEMA);
  let pos = await projectStream(js, next, 1, undefined, onProgress);

  onProgress?.({ phase: 'swapping', seq: pos, applied: 0 });
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    // Exclusive table lock, not a row lock: a live projector then waits before touching any row,
    // so dropping the old schema cannot deadlock with it; it retries on the new schema afterwards.
    await qr.query(`LOCK TABLE ${LIVE_SCHEMA}.checkpoint IN ACCESS EXCLUSIVE MODE`);
    const live = await qr.query(`SELECT last_seq FROM ${LIVE_SCHEMA}.checkpoint WHERE projection = $1`, [PROJECTION]);
    const liveSeq = Number(live[0]?.last_seq ?? 0);
    if (liveSeq > pos) pos = await projectStream(js, next, pos + 1, liveSeq);
    await qr.query(`ALTER SCHEMA ${LIVE_SCHEMA} RENAME TO rm_old`);
    await qr.query(`ALTER SCHEMA ${REBUILD_SCHEMA} RENAME TO ${LIVE_SCHEMA}`);
    await qr.query(`DROP SCHEMA rm_old CASCADE`);
    await qr.commitTransaction();
  } catch (err) {
    await qr.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    await qr.release();
  }
  onProgress?.({ phase: 'done', seq: pos, applied: 0 });
  return { lastSeq: pos };
}

import type { DataSource } from 'typeorm';
import type { JetStreamClient } from 'nats';
import { STREAMS } from '@ideamine/contracts';
import { READ_MODELS } from '../read-models/registry';
import type { Projection } from './projection';
import { BatchReport, ReadModelWriter, WriterOptions } from './read-model-writer';
import { LIVE_SCHEMA } from './sql';
import { readBatches } from './stream-source';

/** The writer for every read model of the registry, in the live schema unless told otherwise. */
export class ReadModelProjector extends ReadModelWriter {
  constructor(ds: DataSource, schema = LIVE_SCHEMA, projections: readonly Projection[] = READ_MODELS, opts: WriterOptions = {}) {
    super(ds, schema, projections, opts);
  }
}

/**
 * Applies the stream from the writer's position (or `fromSeq`) up to `toSeq` (or the stream's end
 * now) in batches; returns the last sequence applied. For projecting a fresh database from scratch.
 */
export async function projectStream(
  js: JetStreamClient, writer: ReadModelWriter, fromSeq?: number, toSeq?: number, onBatch?: (r: BatchReport) => void, batchSize = 2000,
): Promise<number> {
  const from = fromSeq ?? (await writer.position()) + 1;
  const end = toSeq ?? (await (await js.jetstreamManager()).streams.info(STREAMS.events)).state.last_seq;
  let last = from - 1;
  for await (const batch of readBatches(js, from, end, batchSize)) {
    const r = await writer.applyBatch(batch);
    last = r.lastSeq;
    onBatch?.(r);
  }
  return last;
}

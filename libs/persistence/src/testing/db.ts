import type { DataSource } from 'typeorm';
import { createDataSource, migrate } from '../data-source';
import { ReadModelProjector } from '../projection/project-stream';
import type { StreamMessage } from '../projection/messages';

/** A migrated database for a spec (a fresh one per name on the test server). */
export async function migratedDataSource(url: string): Promise<DataSource> {
  const ds = await createDataSource(url).initialize();
  await migrate(ds);
  return ds;
}

/** Projects messages into the live schema of `ds` with every read model, in batches of `batch`. */
export async function project(ds: DataSource, messages: StreamMessage[], batch = 500): Promise<void> {
  const w = new ReadModelProjector(ds);
  for (let i = 0; i < messages.length; i += batch) await w.applyBatch(messages.slice(i, i + batch));
}

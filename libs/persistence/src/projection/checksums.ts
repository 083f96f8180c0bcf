import type { DataSource } from 'typeorm';
import { READ_MODELS } from '../read-models/registry';
import { CheckpointEntity } from './checkpoint.entity';
import type { Projection } from './projection';
import { assertSchemaName, LIVE_SCHEMA, quoteIdent } from './sql';
import { tableShape } from './table-shape';

/**
 * md5 over every row of every table of the given projections (and their checkpoint rows), in key
 * order: equal checksums mean equal tables. The table list comes from the registry.
 */
export async function readModelChecksums(ds: DataSource, projections: readonly Projection[] = READ_MODELS, schema = LIVE_SCHEMA): Promise<Record<string, string>> {
  const s = quoteIdent(assertSchemaName(schema));
  const out: Record<string, string> = {};
  for (const entity of projections.flatMap((p) => p.entities)) {
    const shape = tableShape(ds, entity);
    const order = shape.key.map((k) => `t.${quoteIdent(k.name)}`).join(', ');
    const rows = await ds.query(`SELECT count(*)::int AS n, md5(COALESCE(string_agg(t::text, E'\\n' ORDER BY ${order}), '')) AS sum FROM ${s}.${quoteIdent(shape.table)} t`);
    out[shape.table] = `${rows[0].n}:${rows[0].sum}`;
  }
  const cp = tableShape(ds, CheckpointEntity);
  const rows = await ds.query(
    `SELECT md5(COALESCE(string_agg(t::text, E'\\n' ORDER BY t.projection), '')) AS sum FROM ${s}.${quoteIdent(cp.table)} t WHERE t.projection = ANY($1::text[])`,
    [projections.map((p) => p.name)],
  );
  out[cp.table] = rows[0].sum;
  return out;
}

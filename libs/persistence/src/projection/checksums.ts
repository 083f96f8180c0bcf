import type { DataSource } from 'typeorm';
import { assertSchemaName, LIVE_SCHEMA } from './sql';

export const READ_MODEL_TABLES: Record<string, string> = {
  runs: 'run_id',
  phases: 'run_id, phase',
  tasks: 'task_id',
  artifacts: 'run_id, sha256, kind',
  events: 'seq',
  rejected_events: 'seq',
  ledger: 'seq',
  checkpoint: 'projection',
};

/** md5 over every row of every read-model table, in key order: equal checksums mean equal tables. */
export async function readModelChecksums(ds: DataSource, schema = LIVE_SCHEMA): Promise<Record<string, string>> {
  const s = assertSchemaName(schema);
  const out: Record<string, string> = {};
  for (const [table, key] of Object.entries(READ_MODEL_TABLES)) {
    const rows = await ds.query(`SELECT count(*)::int AS n, md5(COALESCE(string_agg(t::text, E'\\n' ORDER BY ${key}), '')) AS sum FROM ${s}.${table} t`);
    out[table] = `${rows[0].n}:${rows[0].sum}`;
  }
  return out;
}

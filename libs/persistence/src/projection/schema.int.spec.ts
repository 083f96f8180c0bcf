import { useTestInfra } from '../../../../test/harness';
import { READ_MODELS } from '../read-models/registry';
import { migratedDataSource } from '../testing';
import { ensureReadModels } from './schema';

/** The schema is written once, in the entities: what the migration creates is what TypeORM expects. */
describe('read-model schema', () => {
  const infra = useTestInfra();

  it('is exactly what the entities describe (nothing left for TypeORM to synchronise)', async () => {
    const ds = await migratedDataSource(infra().databaseUrl);
    try {
      const pending = (await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
      // event_ids exists only in a replay's schema, by design.
      expect(pending.filter((q) => !q.includes('"rm"."event_ids"'))).toEqual([]);
      expect(pending).toHaveLength(1);
      const tables: { table_name: string }[] = await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'rm' AND table_type = 'BASE TABLE' ORDER BY 1`);
      const expected = ['checkpoint', ...READ_MODELS.flatMap((p) => p.entities.map((e) => ds.getMetadata(e).tableName))].sort();
      expect(tables.map((t) => t.table_name)).toEqual(expected);
      const objects: { name: string }[] = await ds.query(
        `SELECT table_name AS name FROM information_schema.views WHERE table_schema = 'rm' UNION SELECT routine_name FROM information_schema.routines WHERE routine_schema = 'rm' AND routine_name <> 'ledger_guard' ORDER BY 1`,
      );
      expect(objects.map((o) => o.name)).toEqual(READ_MODELS.flatMap((p) => p.sql.map((o) => o.name)).sort());
      expect(objects.map((o) => o.name)).toEqual(expect.arrayContaining([
        'active_tasks', 'task_stats_by_phase', 'pending_timers', 'run_timeline', 'phase_performance', 'cost_by_phase', 'gate_success_metrics', 'recent_run_summary',
        'get_cost_breakdown', 'get_gate_history', 'get_avg_phase_duration', 'cleanup_old_events', 'cleanup_fired_timers', 'cleanup_old_phase_metrics', 'cleanup_old_ledger_entries',
      ]));
      // Idempotent: a second projector starting does nothing.
      expect(await ensureReadModels(ds, READ_MODELS)).toEqual({ created: [], stale: [] });
      const rows: { projection: string; version: number }[] = await ds.query(`SELECT projection, version FROM rm.checkpoint ORDER BY projection`);
      expect(rows).toEqual(READ_MODELS.map((p) => ({ projection: p.name, version: p.version })).sort((a, b) => a.projection.localeCompare(b.projection)));
    } finally {
      await ds.destroy();
    }
  });
});

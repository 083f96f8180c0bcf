import type { SqlObject } from '../../projection/projection';

export const EVENTS_SQL: SqlObject[] = [
  {
    name: 'run_timeline',
    kind: 'view',
    // The window is partitioned by run, so a WHERE run_id = … on the view is pushed below it.
    create: (s) => `CREATE OR REPLACE VIEW "${s}".run_timeline AS
      SELECT e.run_id, e.seq, e.occurred_at, e.type, split_part(e.subject, '.', 4) AS aggregate, e.aggregate_id,
             e.occurred_at - first_value(e.occurred_at) OVER (PARTITION BY e.run_id ORDER BY e.seq) AS since_start
      FROM "${s}".events e`,
  },
  {
    name: 'cleanup_old_events',
    kind: 'function',
    // Only events of runs that ended more than keep_days ago: a live run keeps its whole history.
    create: (s) => `CREATE OR REPLACE FUNCTION "${s}".cleanup_old_events(keep_days integer) RETURNS bigint LANGUAGE sql AS $$
      WITH gone AS (
        DELETE FROM "${s}".events e USING "${s}".runs r
        WHERE e.run_id = r.run_id AND r.finished_at < now() - make_interval(days => keep_days)
        RETURNING 1)
      SELECT count(*) FROM gone $$`,
  },
];

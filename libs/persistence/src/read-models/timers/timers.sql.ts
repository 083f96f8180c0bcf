import type { SqlObject } from '../../projection/projection';

export const TIMERS_SQL: SqlObject[] = [
  {
    name: 'pending_timers',
    kind: 'view',
    create: (s) => `CREATE OR REPLACE VIEW "${s}".pending_timers AS
      SELECT t.run_id, t.timer_id, t.purpose, t.due_at, t.scheduled_at, t.due_at - now() AS due_in, (t.due_at < now()) AS overdue
      FROM "${s}".timers t
      WHERE t.status = 'pending'
      ORDER BY t.due_at NULLS LAST, t.run_id, t.timer_id`,
  },
  {
    name: 'cleanup_fired_timers',
    kind: 'function',
    create: (s) => `CREATE OR REPLACE FUNCTION "${s}".cleanup_fired_timers(keep_days integer) RETURNS bigint LANGUAGE sql AS $$
      WITH gone AS (DELETE FROM "${s}".timers WHERE status = 'fired' AND fired_at < now() - make_interval(days => keep_days) RETURNING 1)
      SELECT count(*) FROM gone $$`,
  },
];

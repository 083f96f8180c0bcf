import type { SqlObject } from '../../projection/projection';

export const RUNS_SQL: SqlObject[] = [
  {
    name: 'recent_run_summary',
    kind: 'view',
    create: (s) => `CREATE OR REPLACE VIEW "${s}".recent_run_summary AS
      SELECT r.run_id, r.status, left(r.idea, 200) AS idea, r.config_set, r.created_at, r.started_at, r.finished_at,
             coalesce(r.finished_at, r.updated_at) - r.created_at AS duration,
             (SELECT count(*) FROM "${s}".phases p WHERE p.run_id = r.run_id) AS phases_total,
             (SELECT count(*) FROM "${s}".phases p WHERE p.run_id = r.run_id AND p.status = 'completed') AS phases_completed,
             (SELECT count(*) FROM "${s}".tasks t WHERE t.run_id = r.run_id) AS tasks_total,
             (SELECT count(*) FROM "${s}".tasks t WHERE t.run_id = r.run_id AND t.status IN ('failed', 'quarantined')) AS tasks_failed,
             (r.usage->>'tokens')::bigint AS tokens, (r.usage->>'usd')::numeric AS usd, r.reason,
             (r.dossier IS NOT NULL) AS has_dossier
      FROM "${s}".runs r
      ORDER BY r.created_at DESC, r.run_id DESC`,
  },
];

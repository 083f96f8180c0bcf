import type { SqlObject } from '../../projection/projection';

export const PHASE_METRICS_SQL: SqlObject[] = [
  {
    name: 'phase_performance',
    kind: 'view',
    create: (s) => `CREATE OR REPLACE VIEW "${s}".phase_performance AS
      SELECT m.phase, count(*) AS executions,
             count(*) FILTER (WHERE m.status = 'completed') AS completed,
             count(*) FILTER (WHERE m.status = 'failed') AS failed,
             avg(m.duration_ms) FILTER (WHERE m.status = 'completed') / 1000.0 AS avg_duration_s,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY m.duration_ms) FILTER (WHERE m.status = 'completed') / 1000.0 AS p50_duration_s,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY m.duration_ms) FILTER (WHERE m.status = 'completed') / 1000.0 AS p95_duration_s,
             avg(m.score) AS avg_score, avg(m.gate_attempts) AS avg_gate_attempts,
             avg(m.tasks_succeeded + m.tasks_failed) AS avg_task_executions, avg(m.retries) AS avg_retries,
             avg(m.tokens) AS avg_tokens, avg(m.usd) AS avg_usd, max(m.finished_at) AS last_finished_at
      FROM "${s}".phase_metrics m
      GROUP BY m.phase`,
  },
  {
    name: 'get_avg_phase_duration',
    kind: 'function',
    // Seconds, over completed executions of the phase; NULL when there is none yet.
    create: (s) => `CREATE OR REPLACE FUNCTION "${s}".get_avg_phase_duration(phase_name text) RETURNS double precision LANGUAGE sql STABLE AS $$
      SELECT avg(m.duration_ms)::double precision / 1000.0 FROM "${s}".phase_metrics m WHERE m.phase = phase_name AND m.status = 'completed' $$`,
  },
  {
    name: 'cleanup_old_phase_metrics',
    kind: 'function',
    create: (s) => `CREATE OR REPLACE FUNCTION "${s}".cleanup_old_phase_metrics(keep_days integer) RETURNS bigint LANGUAGE sql AS $$
      WITH gone AS (DELETE FROM "${s}".phase_metrics WHERE finished_at < now() - make_interval(days => keep_days) RETURNING 1)
      SELECT count(*) FROM gone $$`,
  },
];

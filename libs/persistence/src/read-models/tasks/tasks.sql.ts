import type { SqlObject } from '../../projection/projection';

export const TASKS_SQL: SqlObject[] = [
  {
    name: 'active_tasks',
    kind: 'view',
    // Heartbeats are telemetry (IM_HB), not events; "activity" here is the last claim or checkpoint,
    // and a task is at risk once stalled or past its lease without a checkpoint since.
    create: (s) => `CREATE OR REPLACE VIEW "${s}".active_tasks AS
      SELECT t.task_id, t.run_id, t.phase, t.agent, t.status, t.attempt, t.worker_id, t.scheduled_at, t.started_at,
             a.lease_ms, a.claimed_at + make_interval(secs => a.lease_ms / 1000.0) AS lease_expires_at,
             a.checkpoint_step, greatest(a.claimed_at, a.checkpointed_at) AS last_activity_at,
             now() - coalesce(greatest(a.claimed_at, a.checkpointed_at), t.scheduled_at) AS idle_for,
             (t.status = 'stalled' OR (a.claimed_at IS NOT NULL AND now() > greatest(a.claimed_at, a.checkpointed_at) + make_interval(secs => coalesce(a.lease_ms, 0) / 1000.0))) AS at_risk
      FROM "${s}".tasks t
      LEFT JOIN "${s}".task_attempts a ON a.task_id = t.task_id AND a.attempt = t.attempt
      WHERE t.status IN ('scheduled', 'running', 'retrying', 'stalled')`,
  },
  {
    name: 'task_stats_by_phase',
    kind: 'view',
    create: (s) => `CREATE OR REPLACE VIEW "${s}".task_stats_by_phase AS
      SELECT t.run_id, t.phase, count(*) AS tasks,
             count(*) FILTER (WHERE t.status = 'succeeded') AS succeeded,
             count(*) FILTER (WHERE t.status = 'failed') AS failed,
             count(*) FILTER (WHERE t.status = 'quarantined') AS quarantined,
             count(*) FILTER (WHERE t.status IN ('scheduled', 'running', 'retrying', 'stalled')) AS active,
             coalesce(sum(t.attempt - 1), 0) AS retries,
             avg(extract(epoch FROM t.finished_at - t.started_at)) FILTER (WHERE t.status = 'succeeded') AS avg_duration_s,
             coalesce(sum((t.usage->>'tokens')::bigint), 0) AS tokens,
             coalesce(sum((t.usage->>'usd')::numeric), 0) AS usd
      FROM "${s}".tasks t
      GROUP BY t.run_id, t.phase`,
  },
];

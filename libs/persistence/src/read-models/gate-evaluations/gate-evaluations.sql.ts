import type { SqlObject } from '../../projection/projection';

export const GATE_SQL: SqlObject[] = [
  {
    name: 'gate_success_metrics',
    kind: 'view',
    create: (s) => `CREATE OR REPLACE VIEW "${s}".gate_success_metrics AS
      SELECT g.phase, count(DISTINCT g.run_id) AS runs, count(*) AS evaluations,
             count(*) FILTER (WHERE g.outcome = 'passed') AS passed,
             count(*) FILTER (WHERE g.outcome = 'failed') AS failed,
             count(*) FILTER (WHERE g.waived) AS waived,
             round(count(*) FILTER (WHERE g.outcome = 'passed')::numeric / nullif(count(*) FILTER (WHERE g.outcome <> 'pending'), 0), 4) AS pass_rate,
             avg(g.score) AS avg_score,
             avg(g.gate_attempt) FILTER (WHERE g.outcome = 'passed') AS avg_attempts_to_pass
      FROM "${s}".gate_evaluations g
      GROUP BY g.phase`,
  },
  {
    name: 'get_gate_history',
    kind: 'function',
    create: (s) => `CREATE OR REPLACE FUNCTION "${s}".get_gate_history(run text)
      RETURNS TABLE (phase text, gate_attempt integer, outcome text, score double precision, pass_threshold double precision, waived boolean,
                     final boolean, reasons jsonb, guards jsonb, autofix_strategy text, evaluated_at timestamptz, decided_at timestamptz)
      LANGUAGE sql STABLE AS $$
        SELECT g.phase, g.gate_attempt, g.outcome, g.score, g.pass_threshold, g.waived, g.final, g.reasons, g.guards, g.autofix_strategy, g.evaluated_at, g.decided_at
        FROM "${s}".gate_evaluations g
        WHERE g.run_id = run
        ORDER BY coalesce(g.evaluated_at, g.decided_at), g.phase, g.gate_attempt $$`,
  },
];

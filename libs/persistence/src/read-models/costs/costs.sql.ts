import type { SqlObject } from '../../projection/projection';

export const COSTS_SQL: SqlObject[] = [
  {
    name: 'cost_by_phase',
    kind: 'view',
    create: (s) => `CREATE OR REPLACE VIEW "${s}".cost_by_phase AS
      SELECT c.run_id, c.phase, count(*) AS tasks, sum(c.tokens) AS tokens, sum(c.usd) AS usd,
             sum(c.tool_minutes) AS tool_minutes, sum(c.wallclock_ms) AS wallclock_ms
      FROM "${s}".costs c
      WHERE NOT c.replayed
      GROUP BY c.run_id, c.phase`,
  },
  {
    name: 'get_cost_breakdown',
    kind: 'function',
    create: (s) => `CREATE OR REPLACE FUNCTION "${s}".get_cost_breakdown(run text)
      RETURNS TABLE (phase text, agent text, provider text, model text, tasks bigint, tokens numeric, usd numeric,
                     tool_minutes double precision, wallclock_ms numeric, usd_share numeric)
      LANGUAGE sql STABLE AS $$
        SELECT c.phase, c.agent, c.provider, c.model, count(*), sum(c.tokens), sum(c.usd), sum(c.tool_minutes), sum(c.wallclock_ms),
               CASE WHEN sum(sum(c.usd)) OVER () > 0 THEN round(sum(c.usd) / sum(sum(c.usd)) OVER (), 4) ELSE 0 END
        FROM "${s}".costs c
        WHERE c.run_id = run AND NOT c.replayed
        GROUP BY c.phase, c.agent, c.provider, c.model
        ORDER BY c.phase, c.agent, c.provider, c.model $$`,
  },
];

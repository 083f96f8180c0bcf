import type { DataSource } from 'typeorm';

export interface CostLine {
  phase: string;
  agent: string;
  provider: string;
  model: string;
  tasks: number;
  tokens: number;
  usd: number;
  toolMinutes: number;
  wallclockMs: number;
  /** Share of the run's spend in USD, 0..1. */
  usdShare: number;
}

/** get_cost_breakdown(run): what a run spent, by phase, agent, provider and model (replayed calls excluded). */
export async function costBreakdown(ds: DataSource, runId: string): Promise<CostLine[]> {
  const rows: any[] = await ds.query(`SELECT * FROM rm.get_cost_breakdown($1)`, [runId]);
  return rows.map((r) => ({
    phase: r.phase, agent: r.agent, provider: r.provider, model: r.model, tasks: Number(r.tasks), tokens: Number(r.tokens), usd: Number(r.usd),
    toolMinutes: Number(r.tool_minutes), wallclockMs: Number(r.wallclock_ms), usdShare: Number(r.usd_share),
  }));
}

export interface PhaseCost {
  phase: string;
  tasks: number;
  tokens: number;
  usd: number;
  toolMinutes: number;
  wallclockMs: number;
}

/** The cost_by_phase view for one run. */
export async function costByPhase(ds: DataSource, runId: string): Promise<PhaseCost[]> {
  const rows: any[] = await ds.query(`SELECT * FROM rm.cost_by_phase WHERE run_id = $1 ORDER BY phase`, [runId]);
  return rows.map((r) => ({ phase: r.phase, tasks: Number(r.tasks), tokens: Number(r.tokens), usd: Number(r.usd), toolMinutes: Number(r.tool_minutes), wallclockMs: Number(r.wallclock_ms) }));
}

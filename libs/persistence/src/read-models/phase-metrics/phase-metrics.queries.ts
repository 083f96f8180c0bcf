import type { DataSource } from 'typeorm';

export interface PhasePerformance {
  phase: string;
  executions: number;
  completed: number;
  failed: number;
  avgDurationS: number | null;
  p50DurationS: number | null;
  p95DurationS: number | null;
  avgScore: number | null;
  avgGateAttempts: number | null;
  avgTaskExecutions: number | null;
  avgRetries: number | null;
  avgTokens: number | null;
  avgUsd: number | null;
  lastFinishedAt: string | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The phase_performance view: how each phase does across runs. */
export async function phasePerformance(ds: DataSource): Promise<PhasePerformance[]> {
  const rows: any[] = await ds.query(`SELECT * FROM rm.phase_performance ORDER BY phase`);
  return rows.map((r) => ({
    phase: r.phase, executions: Number(r.executions), completed: Number(r.completed), failed: Number(r.failed), avgDurationS: num(r.avg_duration_s),
    p50DurationS: num(r.p50_duration_s), p95DurationS: num(r.p95_duration_s), avgScore: num(r.avg_score), avgGateAttempts: num(r.avg_gate_attempts),
    avgTaskExecutions: num(r.avg_task_executions), avgRetries: num(r.avg_retries), avgTokens: num(r.avg_tokens), avgUsd: num(r.avg_usd),
    lastFinishedAt: r.last_finished_at ? (r.last_finished_at as Date).toISOString() : null,
  }));
}

/** get_avg_phase_duration(phase): seconds, over completed executions; null when there is none. */
export async function avgPhaseDuration(ds: DataSource, phase: string): Promise<number | null> {
  const [row] = await ds.query(`SELECT rm.get_avg_phase_duration($1) AS s`, [phase]);
  return num(row.s);
}

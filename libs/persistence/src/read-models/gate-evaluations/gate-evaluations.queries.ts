import type { DataSource } from 'typeorm';
import type { GuardOutcome } from './gate-evaluations.entity';

export interface GateHistoryEntry {
  phase: string;
  gateAttempt: number;
  outcome: string;
  score: number | null;
  passThreshold: number | null;
  waived: boolean;
  final: boolean;
  reasons: string[] | null;
  guards: GuardOutcome[] | null;
  autofixStrategy: string | null;
  evaluatedAt: string | null;
  decidedAt: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** get_gate_history(run): every gate attempt of a run, in the order they were evaluated. */
export async function gateHistory(ds: DataSource, runId: string): Promise<GateHistoryEntry[]> {
  const rows: any[] = await ds.query(`SELECT * FROM rm.get_gate_history($1)`, [runId]);
  return rows.map((r) => ({
    phase: r.phase, gateAttempt: r.gate_attempt, outcome: r.outcome, score: r.score, passThreshold: r.pass_threshold, waived: r.waived, final: r.final,
    reasons: r.reasons, guards: r.guards, autofixStrategy: r.autofix_strategy, evaluatedAt: iso(r.evaluated_at), decidedAt: iso(r.decided_at),
  }));
}

export interface GateSuccess {
  phase: string;
  runs: number;
  evaluations: number;
  passed: number;
  failed: number;
  waived: number;
  passRate: number | null;
  avgScore: number | null;
  avgAttemptsToPass: number | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The gate_success_metrics view: pass rates by phase across runs. */
export async function gateSuccessMetrics(ds: DataSource): Promise<GateSuccess[]> {
  const rows: any[] = await ds.query(`SELECT * FROM rm.gate_success_metrics ORDER BY phase`);
  return rows.map((r) => ({
    phase: r.phase, runs: Number(r.runs), evaluations: Number(r.evaluations), passed: Number(r.passed), failed: Number(r.failed), waived: Number(r.waived),
    passRate: num(r.pass_rate), avgScore: num(r.avg_score), avgAttemptsToPass: num(r.avg_attempts_to_pass),
  }));
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Numbers of one phase of one run, for performance views: duration, task executions, gate attempts, spend. */
@Entity({ schema: 'rm', name: 'phase_metrics' })
@Index('phase_metrics_phase_idx', ['phase', 'status'])
export class PhaseMetricEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' }) runId: string;
  @PrimaryColumn({ type: 'text' }) phase: string;
  @Column({ type: 'text' }) status: string;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
  @Column({ name: 'duration_ms', type: 'bigint', nullable: true }) durationMs: string | null;
  @Column({ name: 'tasks_scheduled', type: 'integer', default: 0 }) tasksScheduled: number;
  @Column({ name: 'tasks_succeeded', type: 'integer', default: 0 }) tasksSucceeded: number;
  @Column({ name: 'tasks_failed', type: 'integer', default: 0 }) tasksFailed: number;
  @Column({ type: 'integer', default: 0 }) retries: number;
  @Column({ name: 'gate_attempts', type: 'integer', default: 0 }) gateAttempts: number;
  @Column({ type: 'double precision', nullable: true }) score: number | null;
  @Column({ type: 'bigint', default: 0 }) tokens: string;
  @Column({ type: 'double precision', default: 0 }) usd: number;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ArtifactRef, Usage } from '@ideamine/contracts';

/** A task as it stands now (its latest attempt). */
@Entity({ schema: 'rm', name: 'tasks' })
@Index('tasks_run_idx', ['runId', 'scheduledAt', 'taskId'])
@Index('tasks_status_idx', ['status'])
export class TaskEntity {
  @PrimaryColumn({ name: 'task_id', type: 'text' }) taskId: string;
  @Column({ name: 'run_id', type: 'text' }) runId: string;
  @Column({ type: 'text' }) phase: string;
  @Column({ type: 'text' }) agent: string;
  @Column({ type: 'text' }) status: string;
  @Column({ type: 'integer' }) attempt: number;
  @Column({ name: 'gate_attempt', type: 'integer' }) gateAttempt: number;
  @Column({ type: 'integer' }) iteration: number;
  @Column({ type: 'integer' }) shard: number;
  @Column({ name: 'idempotence_key', type: 'text' }) idempotenceKey: string;
  @Column({ type: 'text' }) pool: string;
  @Column({ name: 'worker_id', type: 'text', nullable: true }) workerId: string | null;
  @Column({ name: 'error_class', type: 'text', nullable: true }) errorClass: string | null;
  @Column({ type: 'text', nullable: true }) message: string | null;
  @Column({ type: 'jsonb', nullable: true }) usage: Usage | null;
  /** Reference to the result object, when the worker stored it as an artifact. */
  @Column({ type: 'jsonb', nullable: true }) result: ArtifactRef | null;
  /** The result itself, when the worker sent it inline (small results). */
  @Column({ type: 'jsonb', nullable: true }) output: unknown;
  @Column({ name: 'scheduled_at', type: 'timestamptz' }) scheduledAt: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** One row per attempt of a task: who ran it, how far it got, how it ended. */
@Entity({ schema: 'rm', name: 'task_attempts' })
@Index('task_attempts_run_idx', ['runId', 'phase'])
export class TaskAttemptEntity {
  @PrimaryColumn({ name: 'task_id', type: 'text' }) taskId: string;
  @PrimaryColumn({ type: 'integer' }) attempt: number;
  @Column({ name: 'run_id', type: 'text' }) runId: string;
  @Column({ type: 'text' }) phase: string;
  @Column({ type: 'text' }) agent: string;
  @Column({ type: 'text' }) outcome: string;
  @Column({ name: 'worker_id', type: 'text', nullable: true }) workerId: string | null;
  @Column({ name: 'lease_ms', type: 'integer', nullable: true }) leaseMs: number | null;
  @Column({ name: 'resumed_from_step', type: 'integer', nullable: true }) resumedFromStep: number | null;
  @Column({ name: 'checkpoint_step', type: 'integer', nullable: true }) checkpointStep: number | null;
  @Column({ name: 'error_class', type: 'text', nullable: true }) errorClass: string | null;
  @Column({ type: 'boolean', nullable: true }) retryable: boolean | null;
  @Column({ type: 'text', nullable: true }) message: string | null;
  @Column({ type: 'jsonb', nullable: true }) usage: Usage | null;
  @Column({ type: 'boolean', nullable: true }) replayed: boolean | null;
  /** Set when the supervisor moved this attempt to another agent/tool/provider (task.fallback). */
  @Column({ name: 'fallback_to', type: 'text', nullable: true }) fallbackTo: string | null;
  @Column({ type: 'integer', nullable: true }) chunks: number | null;
  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true }) claimedAt: Date | null;
  @Column({ name: 'checkpointed_at', type: 'timestamptz', nullable: true }) checkpointedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
}

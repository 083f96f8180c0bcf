import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Budget, Usage } from '@ideamine/contracts';

/** A run as users see it. `usage` is what was spent (paid task calls); `reportedUsage` what run.completed said. */
@Entity({ schema: 'rm', name: 'runs' })
@Index('runs_created_idx', ['createdAt', 'runId'])
@Index('runs_status_created_idx', ['status', 'createdAt', 'runId'])
export class RunEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' }) runId: string;
  @Column({ type: 'text' }) status: string;
  @Column({ type: 'text' }) idea: string;
  @Column({ name: 'target_users', type: 'jsonb' }) targetUsers: string[];
  @Column({ type: 'jsonb' }) constraints: string[];
  @Column({ name: 'config_set', type: 'text' }) configSet: string;
  @Column({ type: 'jsonb' }) budget: Budget;
  @Column({ type: 'jsonb' }) usage: Usage;
  @Column({ name: 'reported_usage', type: 'jsonb', nullable: true }) reportedUsage: Usage | null;
  @Column({ type: 'jsonb', nullable: true }) levels: string[][] | null;
  @Column({ name: 'critical_path', type: 'jsonb', nullable: true }) criticalPath: string[] | null;
  @Column({ name: 'estimated_minutes', type: 'double precision', nullable: true }) estimatedMinutes: number | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  /** The dossier.compiled payload (references to the JSON / HTML / PDF objects, signature). */
  @Column({ type: 'jsonb', nullable: true }) dossier: Record<string, any> | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

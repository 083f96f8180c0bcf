import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ArtifactRef, Usage } from '@ideamine/contracts';

/** Each phase of a run: where it stands, its gate score, its evidence pack. */
@Entity({ schema: 'rm', name: 'phases' })
export class PhaseEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' }) runId: string;
  @PrimaryColumn({ type: 'text' }) phase: string;
  @Column({ type: 'text' }) status: string;
  @Column({ type: 'integer' }) level: number;
  @Column({ name: 'depends_on', type: 'jsonb' }) dependsOn: string[];
  @Column({ type: 'jsonb' }) agents: string[];
  @Column({ type: 'text' }) parallelism: string;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
  @Column({ type: 'double precision', nullable: true }) score: number | null;
  @Column({ name: 'gate_attempts', type: 'integer', default: 0 }) gateAttempts: number;
  @Column({ name: 'tasks_done', type: 'integer', default: 0 }) tasksDone: number;
  @Column({ name: 'tasks_total', type: 'integer', default: 0 }) tasksTotal: number;
  @Column({ name: 'evidence_pack', type: 'jsonb', nullable: true }) evidencePack: ArtifactRef | null;
  @Column({ type: 'jsonb', nullable: true }) usage: Usage | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
}

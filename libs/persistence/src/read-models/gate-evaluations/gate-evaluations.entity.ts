import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ArtifactRef } from '@ideamine/contracts';

export interface GuardOutcome {
  type: string;
  passed: boolean;
  score: number;
  detail: string;
}

/** One gate attempt of a phase: the scored guards and what came of it (passed, failed, auto-fix). */
@Entity({ schema: 'rm', name: 'gate_evaluations' })
export class GateEvaluationEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' }) runId: string;
  @PrimaryColumn({ type: 'text' }) phase: string;
  @PrimaryColumn({ name: 'gate_attempt', type: 'integer' }) gateAttempt: number;
  /** pending (evaluated, no verdict yet), passed or failed. */
  @Column({ type: 'text' }) outcome: string;
  @Column({ type: 'double precision', nullable: true }) score: number | null;
  @Column({ name: 'pass_threshold', type: 'double precision', nullable: true }) passThreshold: number | null;
  @Column({ type: 'jsonb', nullable: true }) guards: GuardOutcome[] | null;
  @Column({ type: 'boolean', default: false }) waived: boolean;
  @Column({ type: 'jsonb', nullable: true }) reasons: string[] | null;
  @Column({ name: 'final', type: 'boolean', default: false }) final: boolean;
  @Column({ name: 'autofix_strategy', type: 'text', nullable: true }) autofixStrategy: string | null;
  @Column({ name: 'evidence_pack', type: 'jsonb', nullable: true }) evidencePack: ArtifactRef | null;
  @Column({ name: 'evaluated_at', type: 'timestamptz', nullable: true }) evaluatedAt: Date | null;
  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true }) decidedAt: Date | null;
}

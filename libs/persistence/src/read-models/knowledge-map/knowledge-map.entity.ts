import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The knowledge map of a run: each question answered from evidence (kmap.delta), latest answer kept. */
@Entity({ schema: 'rm', name: 'kmap_bindings' })
@Index('kmap_run_phase_idx', ['runId', 'phase'])
export class KmapBindingEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' }) runId: string;
  /** SHA-256 of the question text: questions can be long, the key stays short. */
  @PrimaryColumn({ name: 'question_key', type: 'text' }) questionKey: string;
  @Column({ type: 'text' }) question: string;
  @Column({ type: 'text' }) answer: string;
  @Column({ type: 'jsonb' }) evidence: string[];
  @Column({ type: 'text' }) phase: string;
  @Column({ name: 'task_id', type: 'text' }) taskId: string;
  @Column({ type: 'integer', default: 1 }) revisions: number;
  @Column({ name: 'first_seq', type: 'bigint' }) firstSeq: string;
  @Column({ name: 'last_seq', type: 'bigint' }) lastSeq: string;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

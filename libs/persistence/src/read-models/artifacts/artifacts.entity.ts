import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Every object a run put in the artifact store, with where it came from (provenance). */
@Entity({ schema: 'rm', name: 'artifacts' })
@Index('artifacts_task_idx', ['taskId'])
export class ArtifactEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' }) runId: string;
  @PrimaryColumn({ type: 'text' }) sha256: string;
  @PrimaryColumn({ type: 'text' }) kind: string;
  /** artifact.stored, task.result, evidence-pack or dossier. */
  @Column({ type: 'text' }) source: string;
  @Column({ type: 'text' }) bucket: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'bigint' }) size: string;
  @Column({ name: 'content_type', type: 'text' }) contentType: string;
  @Column({ type: 'text', nullable: true }) phase: string | null;
  @Column({ name: 'task_id', type: 'text', nullable: true }) taskId: string | null;
  @Column({ type: 'text', nullable: true }) agent: string | null;
  @Column({ name: 'first_seq', type: 'bigint' }) firstSeq: string;
  @Column({ name: 'stored_at', type: 'timestamptz' }) storedAt: Date;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ArtifactRef } from '@ideamine/contracts';

/** The release dossier of a run (the latest compilation) and its signed references. */
@Entity({ schema: 'rm', name: 'dossiers' })
export class DossierEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' }) runId: string;
  @Column({ type: 'text' }) version: string;
  @Column({ type: 'text' }) signature: string;
  @Column({ type: 'double precision' }) completeness: number;
  @Column({ type: 'jsonb' }) missing: string[];
  @Column({ type: 'jsonb' }) json: ArtifactRef;
  @Column({ type: 'jsonb', nullable: true }) html: ArtifactRef | null;
  @Column({ type: 'jsonb', nullable: true }) pdf: ArtifactRef | null;
  @Column({ type: 'integer', default: 1 }) compilations: number;
  @Column({ name: 'compiled_at', type: 'timestamptz' }) compiledAt: Date;
}

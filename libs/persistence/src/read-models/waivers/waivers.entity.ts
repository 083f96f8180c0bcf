import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The waiver of one guard of one phase: granted, revoked or expired (the latest grant counts). */
@Entity({ schema: 'rm', name: 'waivers' })
export class WaiverEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' }) runId: string;
  @PrimaryColumn({ type: 'text' }) phase: string;
  @PrimaryColumn({ type: 'text' }) guard: string;
  @Column({ type: 'text' }) status: string;
  @Column({ type: 'text' }) reason: string;
  @Column({ name: 'granted_by', type: 'text' }) grantedBy: string;
  @Column({ name: 'granted_at', type: 'timestamptz' }) grantedAt: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ type: 'integer', default: 1 }) grants: number;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
  @Column({ name: 'revoke_reason', type: 'text', nullable: true }) revokeReason: string | null;
  @Column({ name: 'expired_at', type: 'timestamptz', nullable: true }) expiredAt: Date | null;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The tamper-evident ledger: one entry per event projected, numbered densely by `position`, each
 * hash covering the one before it and the SHA-256 of the envelope bytes as published. A trigger
 * refuses UPDATE and DELETE (retention excepted, see cleanup_old_ledger_entries).
 */
@Entity({ schema: 'rm', name: 'ledger' })
export class LedgerEntity {
  @PrimaryColumn({ type: 'bigint' }) position: string;
  @Column({ type: 'bigint', unique: true }) seq: string;
  @Column({ name: 'event_id', type: 'uuid' }) eventId: string;
  @Column({ name: 'run_id', type: 'text' }) runId: string;
  @Column({ type: 'text' }) type: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt: Date;
  @Column({ name: 'envelope_sha256', type: 'text' }) envelopeSha256: string;
  @Column({ name: 'prev_hash', type: 'text' }) prevHash: string;
  @Column({ type: 'text' }) hash: string;
}

/** Where the chain starts after retention removed its oldest entries: verify begins here. */
@Entity({ schema: 'rm', name: 'ledger_anchor' })
export class LedgerAnchorEntity {
  @PrimaryColumn({ type: 'bigint' }) position: string;
  @Column({ type: 'text' }) hash: string;
  @Column({ name: 'cut_at', type: 'timestamptz' }) cutAt: Date;
}

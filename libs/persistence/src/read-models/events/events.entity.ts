import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Every valid event, once (a republished copy with the same id is left out). `envelope` is a json
 * column, not jsonb: json keeps the exact text, so the API returns envelopes as they were
 * published and the ledger's hash of them can be re-checked.
 */
@Entity({ schema: 'rm', name: 'events' })
@Index('events_run_idx', ['runId', 'seq'])
export class EventEntity {
  @PrimaryColumn({ type: 'bigint' }) seq: string;
  @Column({ type: 'uuid', unique: true }) id: string;
  @Column({ name: 'run_id', type: 'text' }) runId: string;
  @Column({ type: 'text' }) type: string;
  @Column({ type: 'text' }) subject: string;
  @Column({ name: 'aggregate_id', type: 'text' }) aggregateId: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt: Date;
  /** The message body exactly as published. */
  @Column({ type: 'json' }) envelope: string;
}

/**
 * Only in a replay that does not rebuild the events table: remembers event ids so the replayed
 * projections leave out republished copies exactly as the live ones did.
 */
@Entity({ schema: 'rm', name: 'event_ids' })
export class EventIdEntity {
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ type: 'bigint', unique: true }) seq: string;
}

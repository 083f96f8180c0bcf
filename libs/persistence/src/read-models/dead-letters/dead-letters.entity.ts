import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * What could not be processed, from the event stream: tasks the supervisor quarantined, and
 * messages the projector refused (not valid events). IM_DLQ holds the full dead-letter copies of
 * every consumer for 30 days (`ideamine dlq`); this table is the part a replay can rebuild.
 */
@Entity({ schema: 'rm', name: 'dead_letters' })
@Index('dead_letters_run_idx', ['runId'])
export class DeadLetterEntity {
  @PrimaryColumn({ type: 'bigint' }) seq: string;
  /** 'task.quarantined' or 'projector' (invalid message). */
  @Column({ type: 'text' }) source: string;
  @Column({ type: 'text' }) subject: string;
  @Column({ name: 'run_id', type: 'text', nullable: true }) runId: string | null;
  @Column({ name: 'task_id', type: 'text', nullable: true }) taskId: string | null;
  @Column({ type: 'text', nullable: true }) phase: string | null;
  @Column({ type: 'text', nullable: true }) agent: string | null;
  @Column({ type: 'integer', nullable: true }) attempt: number | null;
  @Column({ type: 'text' }) reason: string;
  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true }) occurredAt: Date | null;
}

/** Well-formed events of a type this code does not know (a newer producer): skipped, and counted here. */
@Entity({ schema: 'rm', name: 'skipped_events' })
@Index('skipped_events_type_idx', ['type'])
export class SkippedEventEntity {
  @PrimaryColumn({ type: 'bigint' }) seq: string;
  @Column({ type: 'text' }) type: string;
  @Column({ name: 'event_id', type: 'uuid' }) eventId: string;
  @Column({ name: 'run_id', type: 'text' }) runId: string;
  @Column({ type: 'text' }) subject: string;
}

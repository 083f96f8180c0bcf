import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Durable timers (retries, deadlines): due, and whether they fired. */
@Entity({ schema: 'rm', name: 'timers' })
@Index('timers_pending_idx', ['status', 'dueAt'])
export class TimerEntity {
  @PrimaryColumn({ name: 'run_id', type: 'text' }) runId: string;
  @PrimaryColumn({ name: 'timer_id', type: 'text' }) timerId: string;
  @Column({ type: 'text' }) status: string;
  @Column({ type: 'text', nullable: true }) purpose: string | null;
  @Column({ name: 'due_at', type: 'timestamptz', nullable: true }) dueAt: Date | null;
  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true }) scheduledAt: Date | null;
  @Column({ name: 'fired_at', type: 'timestamptz', nullable: true }) firedAt: Date | null;
}

import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One row per reported task usage (task.succeeded): an append-only spend journal, so every sum
 * (by phase, agent, provider, model) is a GROUP BY and a republished event cannot count twice.
 * A replayed success (served from the call journal) is kept with replayed = true and paid nothing.
 */
@Entity({ schema: 'rm', name: 'costs' })
@Index('costs_run_idx', ['runId', 'phase', 'agent'])
export class CostEntity {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' }) eventId: string;
  @Column({ type: 'bigint' }) seq: string;
  @Column({ name: 'run_id', type: 'text' }) runId: string;
  @Column({ type: 'text' }) phase: string;
  @Column({ type: 'text' }) agent: string;
  @Column({ name: 'task_id', type: 'text' }) taskId: string;
  @Column({ type: 'integer' }) attempt: number;
  /** From the usage report when the worker names it; 'unknown' for events that do not. */
  @Column({ type: 'text' }) provider: string;
  @Column({ type: 'text' }) model: string;
  @Column({ type: 'bigint' }) tokens: string;
  @Column({ type: 'numeric' }) usd: string;
  @Column({ name: 'tool_minutes', type: 'double precision' }) toolMinutes: number;
  @Column({ name: 'wallclock_ms', type: 'bigint' }) wallclockMs: string;
  @Column({ type: 'boolean' }) replayed: boolean;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt: Date;
}

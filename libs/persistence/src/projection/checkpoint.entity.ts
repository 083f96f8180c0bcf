import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row per projection: its version and how far into IM_EVENTS its tables are. Written in the
 * same transaction as the rows, so a crash leaves both or neither. `last_msg_id` is the identity of
 * the message at `last_seq`, to notice a stream that was replaced underneath (see StreamRegressedError).
 * (Table name kept from the first layout: dashboards and benches read rm.checkpoint.last_seq.)
 */
@Entity({ schema: 'rm', name: 'checkpoint' })
export class CheckpointEntity {
  @PrimaryColumn({ type: 'text' }) projection: string;
  @Column({ type: 'integer' }) version: number;
  @Column({ name: 'last_seq', type: 'bigint', default: 0 }) lastSeq: string;
  @Column({ name: 'last_msg_id', type: 'text', nullable: true }) lastMsgId: string | null;
}

export interface Checkpoint {
  projection: string;
  version: number;
  lastSeq: number;
  lastMsgId: string | null;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** TypeORM views of the read models (schema "rm"). Written only by the ledger-projector. */
@Entity({ schema: 'rm', name: 'runs' })
export class RunEntity {
  @PrimaryColumn({ name: 'run_id' }) runId: string;
  @Column() status: string;
  @Column() idea: string;
  @Column({ name: 'target_users', type: 'jsonb' }) targetUsers: string[];
  @Column({ type: 'jsonb' }) constraints: string[];
  @Column({ name: 'config_set' }) configSet: string;
  @Column({ type: 'jsonb' }) budget: Record<string, number>;
  @Column({ type: 'jsonb' }) usage: Record<string, number>;
  @Column({ type: 'jsonb', nullable: true }) levels: string[][] | null;
  @Column({ name: 'critical_path', type: 'jsonb', nullable: true }) criticalPath: string[] | null;
  @Column({ name: 'estimated_minutes', type: 'double precision', nullable: true }) estimatedMinutes: number | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ type: 'jsonb', nullable: true }) dossier: Record<string, any> | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity({ schema: 'rm', name: 'phases' })
export class PhaseEntity {
  @PrimaryColumn({ name: 'run_id' }) runId: string;
  @PrimaryColumn() phase: string;
  @Column() status: string;
  @Column() level: number;
  @Column({ name: 'depends_on', type: 'jsonb' }) dependsOn: string[];
  @Column({ type: 'jsonb' }) agents: string[];
  @Column() parallelism: string;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
  @Column({ type: 'double precision', nullable: true }) score: number | null;
  @Column({ name: 'gate_attempts' }) gateAttempts: number;
  @Column({ name: 'tasks_done' }) tasksDone: number;
  @Column({ name: 'tasks_total' }) tasksTotal: number;
  @Column({ name: 'evidence_pack', type: 'jsonb', nullable: true }) evidencePack: Record<string, unknown> | null;
  @Column({ type: 'jsonb', nullable: true }) usage: Record<string, number> | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
}

@Entity({ schema: 'rm', name: 'tasks' })
export class TaskEntity {
  @PrimaryColumn({ name: 'task_id' }) taskId: string;
  @Column({ name: 'run_id' }) runId: string;
  @Column() phase: string;
  @Column() agent: string;
  @Column() status: string;
  @Column() attempt: number;
  @Column({ name: 'gate_attempt' }) gateAttempt: number;
  @Column() iteration: number;
  @Column() shard: number;
  @Column({ name: 'idempotence_key' }) idempotenceKey: string;
  @Column({ name: 'worker_id', type: 'text', nullable: true }) workerId: string | null;
  @Column({ name: 'error_class', type: 'text', nullable: true }) errorClass: string | null;
  @Column({ type: 'text', nullable: true }) message: string | null;
  @Column({ type: 'jsonb', nullable: true }) usage: Record<string, number> | null;
  @Column({ type: 'jsonb', nullable: true }) result: Record<string, unknown> | null;
  @Column({ name: 'scheduled_at', type: 'timestamptz' }) scheduledAt: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
}

@Entity({ schema: 'rm', name: 'events' })
export class EventEntity {
  @PrimaryColumn({ type: 'bigint' }) seq: string;
  @Column({ type: 'uuid' }) id: string;
  @Column({ name: 'run_id' }) runId: string;
  @Column() type: string;
  @Column() subject: string;
  @Column({ name: 'aggregate_id' }) aggregateId: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt: Date;
  @Column({ type: 'jsonb' }) producer: Record<string, string>;
  @Column({ name: 'causation_id', type: 'uuid', nullable: true }) causationId: string | null;
  @Column({ name: 'correlation_id', type: 'uuid' }) correlationId: string;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
}

@Entity({ schema: 'rm', name: 'checkpoint' })
export class CheckpointEntity {
  @PrimaryColumn() projection: string;
  @Column() version: number;
  @Column({ name: 'last_seq', type: 'bigint' }) lastSeq: string;
}

@Entity({ schema: 'rm', name: 'ledger' })
export class LedgerEntity {
  @PrimaryColumn({ type: 'bigint' }) seq: string;
  @Column({ name: 'event_id', type: 'uuid' }) eventId: string;
  @Column({ name: 'run_id' }) runId: string;
  @Column() type: string;
  @Column({ name: 'payload_sha256' }) payloadSha256: string;
  @Column({ name: 'prev_hash' }) prevHash: string;
  @Column() hash: string;
}

export const READ_MODEL_ENTITIES = [RunEntity, PhaseEntity, TaskEntity, EventEntity, CheckpointEntity, LedgerEntity];

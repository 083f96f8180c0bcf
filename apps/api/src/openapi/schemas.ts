/** Response shapes, for the OpenAPI document only (handlers return plain objects of these shapes). */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { API_ERROR_CODES } from '../errors/api-error';
import { RUN_STATUSES } from '../read/queries';

const anyObject = { type: 'object', additionalProperties: true } as const;

export class ErrorDetail {
  @ApiProperty({ enum: Object.keys(API_ERROR_CODES) }) code: string;
  @ApiProperty() message: string;
  @ApiProperty({ nullable: true, description: 'field-level reasons (validation) or context', oneOf: [{ type: 'array', items: {} }, { type: 'object' }, { type: 'string' }] }) details: unknown;
}
export class ErrorResponse {
  @ApiProperty({ type: ErrorDetail }) error: ErrorDetail;
}

export class UsageView {
  @ApiProperty() tokens: number;
  @ApiProperty() usd: number;
  @ApiProperty() toolMinutes: number;
  @ApiProperty() wallclockMs: number;
}

export class Accepted {
  @ApiProperty() accepted: boolean;
  @ApiProperty({ format: 'uuid', description: 'id of the command sent' }) commandId: string;
}

export class Submitted {
  @ApiProperty({ format: 'uuid' }) runId: string;
  @ApiProperty({ enum: ['pending'] }) status: string;
  @ApiProperty({ description: 'true when an Idempotency-Key named an existing submission' }) replayed: boolean;
  @ApiProperty(anyObject) links: Record<string, string>;
}

export class RunSummary {
  @ApiProperty({ format: 'uuid' }) runId: string;
  @ApiProperty({ enum: RUN_STATUSES }) status: string;
  @ApiProperty() idea: string;
  @ApiProperty() configSet: string;
  @ApiProperty({ type: UsageView }) usage: UsageView;
  @ApiProperty(anyObject) budget: Record<string, number>;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty() phasesTotal: number;
  @ApiProperty() phasesDone: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
export class RunPage {
  @ApiProperty({ type: [RunSummary] }) runs: RunSummary[];
  @ApiProperty({ nullable: true, type: String, description: 'pass as ?cursor= for the next page; null on the last' }) nextCursor: string | null;
}

export class PhaseView {
  @ApiProperty() phase: string;
  @ApiProperty({ enum: ['pending', 'running', 'gating', 'blocked', 'completed', 'failed', 'cancelled'] }) status: string;
  @ApiProperty() level: number;
  @ApiProperty({ type: [String] }) dependsOn: string[];
  @ApiProperty({ type: [String] }) agents: string[];
  @ApiProperty() parallelism: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) startedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt: string | null;
  @ApiProperty({ nullable: true, type: Number }) score: number | null;
  @ApiProperty() gateAttempts: number;
  @ApiProperty({ type: 'object', properties: { done: { type: 'integer' }, total: { type: 'integer' } } }) progress: { done: number; total: number };
  @ApiProperty({ nullable: true, type: UsageView }) usage: UsageView | null;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
}
export class RunView {
  @ApiProperty({ format: 'uuid' }) runId: string;
  @ApiProperty({ enum: RUN_STATUSES }) status: string;
  @ApiProperty() idea: string;
  @ApiProperty({ type: [String] }) targetUsers: string[];
  @ApiProperty({ type: [String] }) constraints: string[];
  @ApiProperty() configSet: string;
  @ApiProperty(anyObject) budget: Record<string, number>;
  @ApiProperty({ type: UsageView }) usage: UsageView;
  @ApiProperty({ nullable: true, type: 'array', items: { type: 'array', items: { type: 'string' } } }) levels: string[][] | null;
  @ApiProperty({ nullable: true, type: [String] }) criticalPath: string[] | null;
  @ApiProperty({ nullable: true, type: Number }) estimatedMinutes: number | null;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ nullable: true, ...anyObject }) dossier: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: [PhaseView] }) phases: PhaseView[];
}

export class TaskView {
  @ApiProperty() taskId: string;
  @ApiProperty() runId: string;
  @ApiProperty() phase: string;
  @ApiProperty() agent: string;
  @ApiProperty() status: string;
  @ApiProperty() attempt: number;
  @ApiProperty() gateAttempt: number;
  @ApiProperty() iteration: number;
  @ApiProperty() shard: number;
  @ApiProperty() idempotenceKey: string;
  @ApiProperty({ nullable: true, type: String }) workerId: string | null;
  @ApiProperty({ nullable: true, type: String }) errorClass: string | null;
  @ApiProperty({ nullable: true, type: String }) message: string | null;
  @ApiProperty({ nullable: true, type: UsageView }) usage: UsageView | null;
  @ApiProperty({ nullable: true, ...anyObject, description: 'artifact reference of the result' }) result: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) scheduledAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) startedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt: string | null;
}
export class TaskPage {
  @ApiProperty({ type: [TaskView] }) tasks: TaskView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class EventView {
  @ApiProperty({ description: 'stream sequence in IM_EVENTS' }) seq: number;
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() type: string;
  @ApiProperty() subject: string;
  @ApiProperty() runId: string;
  @ApiProperty() aggregateId: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty(anyObject) producer: Record<string, string>;
  @ApiProperty({ nullable: true, type: String }) causationId: string | null;
  @ApiProperty() correlationId: string;
  @ApiProperty(anyObject) payload: Record<string, unknown>;
}
export class EventPage {
  @ApiProperty({ type: [EventView] }) events: EventView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ArtifactView {
  @ApiProperty() sha256: string;
  @ApiProperty() kind: string;
  @ApiProperty({ nullable: true, type: String }) taskId: string | null;
  @ApiProperty({ nullable: true, type: String }) phase: string | null;
  @ApiProperty() size: number;
  @ApiProperty() contentType: string;
  @ApiProperty({ description: 'where to fetch the content' }) href: string;
}

export class TaskDetail {
  @ApiProperty({ type: TaskView }) task: TaskView;
  @ApiProperty(anyObject) input: Record<string, unknown>;
  @ApiProperty({ type: [EventView] }) attempts: EventView[];
  @ApiProperty({ type: [EventView] }) checkpoints: EventView[];
  @ApiProperty({ type: [EventView] }) errors: EventView[];
  @ApiProperty({ type: [ArtifactView] }) artifacts: ArtifactView[];
  @ApiProperty({ nullable: true, type: ArtifactView }) output: ArtifactView | null;
  @ApiProperty({ nullable: true, description: 'the output when task.succeeded carries it inline rather than as an artifact', oneOf: [{ type: 'object' }, { type: 'array', items: {} }, { type: 'string' }, { type: 'number' }, { type: 'boolean' }] }) outputInline: unknown;
}

export class UsageRowView {
  @ApiProperty() key: string;
  @ApiProperty() tasks: number;
  @ApiProperty() tokens: number;
  @ApiProperty() usd: number;
  @ApiProperty() toolMinutes: number;
  @ApiProperty() wallclockMs: number;
}
export class CostView {
  @ApiProperty({ type: UsageView }) total: UsageView;
  @ApiProperty(anyObject) budget: Record<string, number>;
  @ApiProperty({ type: [UsageRowView] }) byPhase: UsageRowView[];
  @ApiProperty({ type: [UsageRowView] }) byAgent: UsageRowView[];
  @ApiProperty({ type: [UsageRowView] }) byModel: UsageRowView[];
}

export class GateAttemptView {
  @ApiProperty() phase: string;
  @ApiProperty() gateAttempt: number;
  @ApiProperty({ nullable: true, type: Number }) score: number | null;
  @ApiProperty({ nullable: true, type: Number }) passThreshold: number | null;
  @ApiProperty({ enum: ['passed', 'failed', 'evaluated'] }) verdict: string;
  @ApiProperty() waived: boolean;
  @ApiProperty({ type: 'array', items: anyObject }) guards: unknown[];
  @ApiProperty({ type: [String], description: 'why it failed: the issues to fix' }) issues: string[];
  @ApiProperty({ nullable: true, type: String }) autofix: string | null;
  @ApiProperty({ format: 'date-time' }) at: string;
}
export class WaiverView {
  @ApiProperty() phase: string;
  @ApiProperty() guard: string;
  @ApiProperty({ enum: ['active', 'revoked', 'expired'] }) state: string;
  @ApiProperty() reason: string;
  @ApiProperty({ nullable: true, type: String }) grantedBy: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) expiresAt: string | null;
  @ApiProperty({ format: 'date-time' }) at: string;
}
export class GatesView {
  @ApiProperty({ type: [GateAttemptView] }) gates: GateAttemptView[];
  @ApiProperty({ type: [WaiverView] }) waivers: WaiverView[];
}
export class KmapView {
  @ApiProperty({ type: 'array', items: { type: 'object', properties: { phase: { type: 'string' }, taskId: { type: 'string' }, question: { type: 'string' }, answer: { type: 'string' }, evidence: { type: 'array', items: { type: 'string' } } } } })
  bindings: unknown[];
}

export class InboxItemView {
  @ApiProperty({ enum: ['phase-blocked', 'run-paused'] }) kind: string;
  @ApiProperty() runId: string;
  @ApiProperty() idea: string;
  @ApiProperty({ nullable: true, type: String }) phase: string | null;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ format: 'date-time' }) since: string;
  @ApiProperty({ type: [String] }) actions: string[];
}
export class InboxView {
  @ApiProperty({ type: [InboxItemView] }) items: InboxItemView[];
}

export class DeadLetterView {
  @ApiProperty() seq: number;
  @ApiProperty() subject: string;
  @ApiPropertyOptional() reason: string;
  @ApiPropertyOptional() sourceStream: string;
  @ApiPropertyOptional() sourceSeq: string;
  @ApiPropertyOptional() sourceSubject: string;
  @ApiPropertyOptional() consumer: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ description: 'the original message body (UTF-8, cut at 4 KiB)' }) body: string;
  @ApiProperty({ description: 'whether POST .../redrive can resend it (commands only)' }) redrivable: boolean;
}
export class DeadLetterPage {
  @ApiProperty({ type: [DeadLetterView] }) deadLetters: DeadLetterView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
export class Redriven {
  @ApiProperty() redriven: boolean;
  @ApiProperty() subject: string;
  @ApiProperty({ description: 'sequence of the resent message in its stream' }) seq: number;
}

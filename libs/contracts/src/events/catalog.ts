import { Type, Static, TSchema } from '@sinclair/typebox';
import {
  AgentName, ArtifactRef, Budget, Id, IdeaInput, IsoTime, JsonObject, PhaseConfig, PhaseName, Sha256, Usage, Uuid,
} from '../common';
import { COMMAND_CATALOG, LogCommandName } from '../commands/catalog';
import type { AggregateKind } from '../subjects';
import { ErrorClass } from '../error-class';

const O = <T extends Parameters<typeof Type.Object>[0]>(props: T) => Type.Object(props, { additionalProperties: false });
const Phase = { phase: PhaseName };
const TaskRef = { taskId: Id, phase: PhaseName, agent: AgentName, attempt: Type.Integer({ minimum: 1 }) };
const BudgetDimension = Type.Union([
  Type.Literal('tokens'), Type.Literal('usd'), Type.Literal('toolMinutes'), Type.Literal('wallclockMinutes'),
]);
/** What a durable timer does when it fires; observers act on it (the scheduler re-dispatches a retry). */
const TimerAction = Type.Union([
  O({ kind: Type.Literal('retry-task'), phase: PhaseName, taskId: Id, attempt: Type.Integer({ minimum: 2 }) }),
]);
const received = <C extends LogCommandName>(name: C) =>
  O({ command: Type.Literal(name), payload: COMMAND_CATALOG[name].payload as (typeof COMMAND_CATALOG)[C]['payload'] });
/** A command addressed to a decider, appended to the run's log by the api (ADR 0005); one member per `log` command. */
export const ReceivedCommand = Type.Union([
  received('cancel-run'), received('pause-run'), received('resume-run'), received('extend-budget'),
  received('grant-waiver'), received('revoke-waiver'), received('retry-task'),
]);
const GuardResult = O({
  type: Type.String(), passed: Type.Boolean(), score: Type.Number({ minimum: 0, maximum: 1 }), detail: Type.String(),
});

/**
 * The event catalog: type -> owning aggregate family and payload schema.
 * Changing a payload means a new schemaVersion plus an upcaster (proto-events/VERSIONING.md).
 */
export const EVENT_CATALOG = {
  // planner: run aggregate
  /** Published by the planner's intake once per run (expected subject sequence 0): the request with its resolved phase configuration. */
  'run.requested': { aggregate: 'run', payload: O({ input: IdeaInput, budget: Budget, configSet: Type.String(), phases: Type.Array(PhaseConfig) }) },
  'run.planned': {
    aggregate: 'run',
    payload: O({
      phases: Type.Array(PhaseConfig),
      levels: Type.Array(Type.Array(PhaseName)),
      criticalPath: Type.Array(PhaseName),
      estimatedMinutes: Type.Number({ minimum: 0 }),
    }),
  },
  'run.started': { aggregate: 'run', payload: O({}) },
  'run.paused': { aggregate: 'run', payload: O({ reason: Type.String() }) },
  'run.resumed': { aggregate: 'run', payload: O({ reason: Type.String() }) },
  'run.completed': { aggregate: 'run', payload: O({ phases: Type.Array(PhaseName), usage: Usage }) },
  'run.failed': { aggregate: 'run', payload: O({ reason: Type.String(), phase: Type.Optional(PhaseName) }) },
  'run.cancelled': { aggregate: 'run', payload: O({ reason: Type.String() }) },
  'budget.exhausted': {
    aggregate: 'run',
    payload: O({
      scope: Type.Union([Type.Literal('run'), Type.Literal('phase'), Type.Literal('agent')]),
      phase: Type.Optional(PhaseName), agent: Type.Optional(AgentName),
      dimension: BudgetDimension, limit: Type.Number(), used: Type.Number(),
    }),
  },
  'budget.extended': { aggregate: 'run', payload: O({ add: Budget, newLimit: Budget }) },
  // planner: phase aggregate
  'phase.started': {
    aggregate: 'phase',
    payload: O({
      ...Phase, config: PhaseConfig, input: IdeaInput, upstream: Type.Array(O({ phase: PhaseName, evidencePack: ArtifactRef })),
      budget: Budget,
    }),
  },
  'phase.completed': { aggregate: 'phase', payload: O({ ...Phase, evidencePack: ArtifactRef, score: Type.Number(), attempts: Type.Integer({ minimum: 1 }) }) },
  'phase.blocked': { aggregate: 'phase', payload: O({ ...Phase, reason: Type.String() }) },
  'phase.failed': { aggregate: 'phase', payload: O({ ...Phase, reason: Type.String() }) },
  // scheduler
  'task.scheduled': {
    aggregate: 'sched',
    payload: O({
      ...TaskRef, idempotenceKey: Sha256, pool: Id, budget: Budget,
      gateAttempt: Type.Integer({ minimum: 1 }), shard: Type.Integer({ minimum: 0 }), iteration: Type.Integer({ minimum: 0 }),
    }),
  },
  'phase.progress': { aggregate: 'sched', payload: O({ ...Phase, done: Type.Integer({ minimum: 0 }), total: Type.Integer({ minimum: 0 }) }) },
  'phase.aggregated': {
    aggregate: 'sched',
    payload: O({ ...Phase, gateAttempt: Type.Integer({ minimum: 1 }), evidencePack: ArtifactRef, taskCount: Type.Integer({ minimum: 0 }), usage: Usage }),
  },
  'autofix.started': { aggregate: 'sched', payload: O({ ...Phase, strategy: Type.String(), gateAttempt: Type.Integer({ minimum: 1 }) }) },
  // worker
  'task.claimed': { aggregate: 'task', payload: O({ ...TaskRef, workerId: Type.String(), leaseMs: Type.Integer({ minimum: 0 }), resumedFromStep: Type.Integer({ minimum: 0 }) }) },
  'task.checkpointed': { aggregate: 'task', payload: O({ ...TaskRef, step: Type.Integer({ minimum: 0 }) }) },
  'artifact.stored': { aggregate: 'task', payload: O({ ...TaskRef, artifact: ArtifactRef }) },
  /** The agent's output inline when small (`output`), otherwise stored as an artifact (`result`); exactly one is present. */
  'task.succeeded': { aggregate: 'task', payload: O({ ...TaskRef, output: Type.Optional(JsonObject), result: Type.Optional(ArtifactRef), usage: Usage, replayed: Type.Boolean() }) },
  'task.failed': {
    aggregate: 'task',
    payload: O({
      ...TaskRef, errorClass: ErrorClass, retryable: Type.Boolean(), message: Type.String({ maxLength: 4000 }),
      /** The provider asked us to wait this long before trying again (Retry-After of a 429). */
      retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
      budgetExceeded: Type.Optional(O({ dimension: BudgetDimension, limit: Type.Number(), used: Type.Number() })),
    }),
  },
  'kmap.delta': { aggregate: 'kmap', payload: O({ ...Phase, taskId: Id, bindings: Type.Array(O({ question: Type.String(), answer: Type.String(), evidence: Type.Array(Type.String()) })) }) },
  // supervisor
  'task.stalled': { aggregate: 'sup', payload: O({ ...TaskRef, lastHeartbeatAt: Type.Union([IsoTime, Type.Null()]) }) },
  'task.retry_scheduled': { aggregate: 'sup', payload: O({ ...TaskRef, nextAttempt: Type.Integer({ minimum: 2 }), dueAt: IsoTime, errorClass: Type.String() }) },
  'timer.scheduled': { aggregate: 'sup', payload: O({ timerId: Id, dueAt: IsoTime, purpose: Type.String(), action: TimerAction }) },
  'timer.fired': { aggregate: 'sup', payload: O({ timerId: Id, firedAt: IsoTime, action: TimerAction }) },
  'task.fallback': { aggregate: 'sup', payload: O({ ...TaskRef, from: Type.String(), to: Type.String() }) },
  'task.chunked': { aggregate: 'sup', payload: O({ ...TaskRef, chunks: Type.Integer({ minimum: 2 }) }) },
  'breaker.opened': { aggregate: 'sup', payload: O({ breaker: Type.String(), failures: Type.Integer({ minimum: 0 }) }) },
  'breaker.closed': { aggregate: 'sup', payload: O({ breaker: Type.String() }) },
  'task.quarantined': { aggregate: 'sup', payload: O({ ...TaskRef, reason: Type.String() }) },
  'run.escalated': { aggregate: 'sup', payload: O({ reason: Type.String(), phase: Type.Optional(PhaseName) }) },
  // gatekeeper
  'gate.evaluated': {
    aggregate: 'gate',
    payload: O({ ...Phase, gateAttempt: Type.Integer({ minimum: 1 }), score: Type.Number({ minimum: 0, maximum: 1 }), passThreshold: Type.Number(), guards: Type.Array(GuardResult) }),
  },
  'gate.passed': { aggregate: 'gate', payload: O({ ...Phase, gateAttempt: Type.Integer({ minimum: 1 }), score: Type.Number(), evidencePack: ArtifactRef, waived: Type.Boolean() }) },
  'gate.failed': {
    aggregate: 'gate',
    payload: O({ ...Phase, gateAttempt: Type.Integer({ minimum: 1 }), score: Type.Number(), reasons: Type.Array(Type.String()), final: Type.Boolean() }),
  },
  'autofix.requested': { aggregate: 'gate', payload: O({ ...Phase, gateAttempt: Type.Integer({ minimum: 1 }), strategy: Type.String(), reasons: Type.Array(Type.String()) }) },
  'waiver.granted': { aggregate: 'gate', payload: O({ ...Phase, guard: Type.String(), reason: Type.String(), expiresAt: IsoTime, grantedBy: Type.String() }) },
  'waiver.revoked': { aggregate: 'gate', payload: O({ ...Phase, guard: Type.String(), reason: Type.String() }) },
  'waiver.expired': { aggregate: 'gate', payload: O({ ...Phase, guard: Type.String() }) },
  // dossier
  'dossier.compiled': {
    aggregate: 'dossier',
    payload: O({
      version: Type.String(), signature: Sha256, completeness: Type.Number({ minimum: 0, maximum: 100 }),
      missing: Type.Array(Type.String()), json: ArtifactRef, html: Type.Optional(ArtifactRef), pdf: Type.Optional(ArtifactRef),
      /** The event this compile answers (run.completed, or the on-demand request): one dossier.compiled per cause. */
      causeId: Uuid,
    }),
  },
  // api: commands for deciders, in the run's log
  'command.received': { aggregate: 'cmd', payload: ReceivedCommand },
} as const satisfies Record<string, { aggregate: AggregateKind; payload: TSchema }>;

export type EventType = keyof typeof EVENT_CATALOG;
export type EventPayload<T extends EventType> = Static<(typeof EVENT_CATALOG)[T]['payload']>;
export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

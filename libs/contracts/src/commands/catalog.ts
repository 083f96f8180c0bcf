import { Type, Static } from '@sinclair/typebox';
import { AgentName, Budget, Id, IdeaInput, PhaseName, Sha256, TaskInput } from '../common';
import type { ServiceName } from '../subjects';

const O = <T extends Parameters<typeof Type.Object>[0]>(props: T) => Type.Object(props, { additionalProperties: false });
const Actor = { requestedBy: Type.String({ maxLength: 200 }) };

/**
 * Commands: name -> the service that acts on it, how it travels, and its payload schema.
 *
 * - `queue`: a message on IM_CMD (`im.cmd.<service>.<name>`, work-queue retention) for a handler that
 *   needs no run state: the planner's intake (it loads the phase configuration), the dossier
 *   compiler, worker pools.
 * - `log`: appended to the run's own log as a `command.received` event on `im.evt.<runId>.cmd.<service>`,
 *   so the service's decider sees it in stream order with every other input of that run and never
 *   decides it on stale state (ADR 0005).
 */
export const COMMAND_CATALOG = {
  'submit-run': { service: 'planner', via: 'queue', payload: O({ input: IdeaInput, budget: Type.Optional(Budget), configSet: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,64}$' })), ...Actor }) },
  'cancel-run': { service: 'planner', via: 'log', payload: O({ reason: Type.String({ maxLength: 1000 }), ...Actor }) },
  'pause-run': { service: 'planner', via: 'log', payload: O({ reason: Type.String({ maxLength: 1000 }), ...Actor }) },
  'resume-run': { service: 'planner', via: 'log', payload: O({ reason: Type.String({ maxLength: 1000 }), ...Actor }) },
  'extend-budget': { service: 'planner', via: 'log', payload: O({ add: Budget, ...Actor }) },
  'grant-waiver': { service: 'gatekeeper', via: 'log', payload: O({ phase: PhaseName, guard: Type.String({ maxLength: 200 }), reason: Type.String({ maxLength: 2000 }), expiresAt: Type.String({ format: 'date-time' }), ...Actor }) },
  'revoke-waiver': { service: 'gatekeeper', via: 'log', payload: O({ phase: PhaseName, guard: Type.String({ maxLength: 200 }), reason: Type.String({ maxLength: 2000 }), ...Actor }) },
  /** Runs a task again (a new attempt), e.g. after it was quarantined. */
  'retry-task': { service: 'scheduler', via: 'log', payload: O({ phase: PhaseName, taskId: Id, reason: Type.String({ maxLength: 1000 }), ...Actor }) },
  'compile-dossier': {
    service: 'dossier',
    via: 'queue',
    payload: O({
      ...Actor,
      /** The event this compile answers (a run.completed id, or the request's own id on demand); compiles are idempotent on it. */
      causeId: Type.Optional(Type.String({ format: 'uuid' })),
    }),
  },
  /** Work for a worker pool; the subject is im.cmd.worker.<pool>. */
  'run-task': {
    service: 'worker',
    via: 'queue',
    payload: O({
      taskId: Id, phase: PhaseName, agent: AgentName, attempt: Type.Integer({ minimum: 1 }),
      idempotenceKey: Sha256, budget: Budget, gateAttempt: Type.Integer({ minimum: 1 }),
      shard: Type.Integer({ minimum: 0 }), iteration: Type.Integer({ minimum: 0 }),
      /**
       * The sequence the task's own subject (im.evt.<run>.task.<taskId>) must be at for this
       * attempt's claim to succeed: 0 for a first attempt, else the last event of the previous one.
       * A claim published with Nats-Expected-Last-Subject-Sequence = fence fences every other attempt.
       */
      fence: Type.Integer({ minimum: 0 }),
      input: TaskInput,
    }),
  },
} as const satisfies Record<string, { service: ServiceName; via: 'queue' | 'log'; payload: ReturnType<typeof O> }>;

export type CommandName = keyof typeof COMMAND_CATALOG;
export type CommandPayload<C extends CommandName> = Static<(typeof COMMAND_CATALOG)[C]['payload']>;
export const COMMAND_NAMES = Object.keys(COMMAND_CATALOG) as CommandName[];
export type LogCommandName = { [C in CommandName]: (typeof COMMAND_CATALOG)[C]['via'] extends 'log' ? C : never }[CommandName];
export const LOG_COMMANDS = COMMAND_NAMES.filter((c) => COMMAND_CATALOG[c].via === 'log') as LogCommandName[];
export const isLogCommand = (name: string): name is LogCommandName => (LOG_COMMANDS as string[]).includes(name);

import { Type, Static } from '@sinclair/typebox';
import { AgentName, Budget, Id, IdeaInput, IsoTime, PhaseName, Sha256 } from '../common';
import type { ServiceName } from '../subjects';

const O = <T extends Parameters<typeof Type.Object>[0]>(props: T) => Type.Object(props, { additionalProperties: false });
const Actor = { requestedBy: Type.String({ maxLength: 200 }) };

/** Commands: name -> owning (consuming) service and payload schema. Subject: im.cmd.<service>.<name>. */
export const COMMAND_CATALOG = {
  'submit-run': { service: 'planner', payload: O({ input: IdeaInput, budget: Type.Optional(Budget), configSet: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,64}$' })), ...Actor }) },
  'cancel-run': { service: 'planner', payload: O({ reason: Type.String({ maxLength: 1000 }), ...Actor }) },
  'pause-run': { service: 'planner', payload: O({ reason: Type.String({ maxLength: 1000 }), ...Actor }) },
  'resume-run': { service: 'planner', payload: O({ reason: Type.String({ maxLength: 1000 }), ...Actor }) },
  'extend-budget': { service: 'planner', payload: O({ add: Budget, ...Actor }) },
  'grant-waiver': { service: 'gatekeeper', payload: O({ phase: PhaseName, guard: Type.String(), reason: Type.String(), expiresAt: IsoTime, ...Actor }) },
  'revoke-waiver': { service: 'gatekeeper', payload: O({ phase: PhaseName, guard: Type.String(), reason: Type.String(), ...Actor }) },
  'retry-task': {
    service: 'scheduler',
    payload: O({ phase: PhaseName, taskId: Id, attempt: Type.Integer({ minimum: 2 }), extraBudget: Type.Optional(Budget), ...Actor }),
  },
  /** A durable timer: redelivered (nak with delay) until due, then acted on once. */
  'fire-timer': {
    service: 'supervisor',
    payload: O({ timerId: Id, dueAt: IsoTime, action: Type.Literal('retry-task'), phase: PhaseName, taskId: Id, attempt: Type.Integer({ minimum: 2 }) }),
  },
  'compile-dossier': { service: 'dossier', payload: O({ ...Actor }) },
  /** Work for a worker pool; the subject is im.cmd.worker.<pool>. */
  'run-task': {
    service: 'worker',
    payload: O({
      taskId: Id, phase: PhaseName, agent: AgentName, attempt: Type.Integer({ minimum: 1 }),
      idempotenceKey: Sha256, budget: Budget, gateAttempt: Type.Integer({ minimum: 1 }),
      shard: Type.Integer({ minimum: 0 }), iteration: Type.Integer({ minimum: 0 }),
      input: Type.Unknown({ description: 'agent input; refs to upstream evidence packs, the idea, prior results' }),
    }),
  },
} as const satisfies Record<string, { service: ServiceName; payload: ReturnType<typeof O> }>;

export type CommandName = keyof typeof COMMAND_CATALOG;
export type CommandPayload<C extends CommandName> = Static<(typeof COMMAND_CATALOG)[C]['payload']>;
export const COMMAND_NAMES = Object.keys(COMMAND_CATALOG) as CommandName[];

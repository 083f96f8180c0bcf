/**
 * Subject catalog. Run first so a whole run is one wildcard; the event type travels in the
 * envelope and the Im-Event-Type header, never in the subject, because optimistic concurrency
 * (Nats-Expected-Last-Subject-Sequence) works per exact subject on nats-server 2.9.
 */
export const STREAMS = {
  events: 'IM_EVENTS',
  commands: 'IM_CMD',
  heartbeats: 'IM_HB',
  deadLetters: 'IM_DLQ',
  advisories: 'IM_ADVISORIES',
} as const;

export const BUCKETS = {
  artifacts: 'im-artifacts',
  /** Decider state snapshots, each stamped with the stream position it reflects (a cache: ADR 0005). */
  deciderState: 'im-decider-state',
  /** Partition leases and membership of decider replicas (entries expire: the bucket has a TTL). */
  leases: 'im-leases',
  checkpoints: 'im-checkpoints',
} as const;

export const HEADERS = {
  msgId: 'Nats-Msg-Id',
  expectedLastSubjectSeq: 'Nats-Expected-Last-Subject-Sequence',
  eventType: 'Im-Event-Type',
  runId: 'Im-Run-Id',
  traceparent: 'traceparent',
  dlqReason: 'Im-Dlq-Reason',
  dlqStream: 'Im-Dlq-Stream',
  dlqSeq: 'Im-Dlq-Seq',
  dlqSubject: 'Im-Dlq-Subject',
  dlqConsumer: 'Im-Dlq-Consumer',
  /** On events a decider derived: `<decision number>.<index>` within that run (ADR 0005). */
  decision: 'Im-Decision',
} as const;

/** Aggregate families inside a run. Each has exactly one owning (publishing) service. */
export const AGGREGATES = {
  run: 'planner',
  phase: 'planner',
  sched: 'scheduler',
  task: 'worker',
  kmap: 'worker',
  sup: 'supervisor',
  gate: 'gatekeeper',
  dossier: 'dossier',
  /** `im.evt.<runId>.cmd.<service>`: commands the api appends to a run's log for that service's decider. */
  cmd: 'api',
} as const;
export type AggregateKind = keyof typeof AGGREGATES;
export type ServiceName =
  | 'api' | 'planner' | 'scheduler' | 'worker' | 'supervisor' | 'gatekeeper' | 'ledger-projector' | 'dossier' | 'cli';

/** Tokens used in subjects: letters, digits, '-' and '_' only (no '.', '*', '>' or spaces). */
export const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

export class InvalidSubjectTokenError extends Error {
  readonly code = 'IM_INVALID_SUBJECT_TOKEN';
  constructor(readonly what: string, readonly value: string) {
    super(`${what} "${value}" cannot be used in a subject: only letters, digits, '-' and '_' (1-128 chars)`);
  }
}

export function token(what: string, value: string): string {
  if (!SUBJECT_TOKEN.test(value)) throw new InvalidSubjectTokenError(what, value);
  return value;
}

/** The id used for singleton aggregates (the run itself, its dossier). */
export const SINGLETON = '_';

export const subjects = {
  event: (runId: string, kind: AggregateKind, id: string = SINGLETON) =>
    `im.evt.${token('runId', runId)}.${kind}.${token(`${kind} id`, id)}`,
  allEvents: 'im.evt.>',
  runEvents: (runId: string) => `im.evt.${token('runId', runId)}.>`,
  liveEvents: 'im.live.evt.>',
  command: (service: ServiceName, name: string) => `im.cmd.${service}.${token('command', name)}`,
  serviceCommands: (service: ServiceName) => `im.cmd.${service}.>`,
  workerPool: (pool: string) => `im.cmd.worker.${token('worker pool', pool)}`,
  heartbeat: (runId: string, taskId: string) => `im.hb.${token('runId', runId)}.${token('taskId', taskId)}`,
  deadLetter: (source: string) => `im.dlq.${token('dead-letter source', source)}`,
} as const;

export interface ParsedEventSubject {
  runId: string;
  kind: AggregateKind;
  id: string;
}

export function parseEventSubject(subject: string): ParsedEventSubject | undefined {
  const parts = subject.split('.');
  if (parts.length !== 5 || parts[0] !== 'im' || parts[1] !== 'evt') return undefined;
  const kind = parts[3] as AggregateKind;
  if (!(kind in AGGREGATES)) return undefined;
  return { runId: parts[2], kind, id: parts[4] };
}

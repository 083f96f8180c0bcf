import type {
  AggregateKind, AnyEventEnvelope, AnyNewEvent, ArtifactRef, CommandName, CommandPayload, EventType,
} from '@ideamine/contracts';

/** The services whose logic is a decider (ADR 0005). */
export type DeciderService = 'planner' | 'scheduler' | 'gatekeeper' | 'supervisor' | 'dossier';

/** An event read from the log, with where it sits in it. */
export interface Fact<E extends AnyEventEnvelope = AnyEventEnvelope> {
  event: E;
  /** Stream sequence in IM_EVENTS. */
  seq: number;
  subject: string;
}

/** A command a decision sends once its events are committed (work for a pool, a dossier to compile). */
export type DecidedCommand = {
  [C in CommandName]: {
    name: C;
    aggregateId: string;
    payload: CommandPayload<C>;
    /** Stable within the run: the command's id derives from it, so a re-sent command deduplicates. */
    key: string;
    pool?: string;
  };
}[CommandName];

/** Content the events of a decision refer to by hash; stored (idempotently) before they are published. */
export interface DecidedBlob {
  ref: ArtifactRef;
  content: Buffer;
}

/** What `decide` returns. Everything in it is published, in this order: blobs, events, commands. */
export interface Decision {
  events: AnyNewEvent[];
  commands?: DecidedCommand[];
  blobs?: DecidedBlob[];
  /** Why nothing was decided, when that is worth a log line (an input for an unknown task...). */
  ignored?: string;
}

export const NOTHING: Decision = { events: [] };
export const ignore = (why: string): Decision => ({ events: [], ignored: why });

/** Reads a decision may need beyond the log: content-addressed, so the same ref always gives the same bytes. */
export interface DeciderIo {
  readJsonArtifact<T>(ref: Pick<ArtifactRef, 'name' | 'sha256'>): Promise<T>;
}

/**
 * One shape for every decider. State is a fold of the run's log: `evolve` applies any fact (the
 * decider's own events and those it observes); `decide` is pure and sees the state with the input
 * already folded in. Time never comes from a clock inside decide: it comes from the events
 * (occurredAt) or from `tick`, whose events are appended to the log and decided on when read back.
 */
export interface Decider<S, X = undefined> {
  service: DeciderService;
  /** Aggregate kinds whose subjects this decider writes; no other service writes there. */
  owns: readonly AggregateKind[];
  /** Event types folded or decided on; everything else is skipped without being parsed. */
  observes: ReadonlySet<EventType>;
  initialState(runId: string): S;
  evolve(state: S, fact: Fact): S;
  decide(state: S, fact: Fact, extra: X): Decision;
  /** Deterministic async reads for decide (e.g. an evidence pack by hash); called only for inputs that need them. */
  enrich?(state: S, fact: Fact, io: DeciderIo): Promise<X>;
  /**
   * Events that time makes true (a timer due, an attempt silent too long). They are appended to the
   * log, not folded here: the decider folds and decides on them when it reads them back, at their
   * place in the stream, exactly as a replay will.
   */
  tick?(state: S, nowMs: number): TickEvent[];
  /** When tick has something to say next (ms since epoch). */
  wakeAt?(state: S): number | undefined;
  /** Whether a command sent by an earlier decision is still needed (re-sent after a takeover when true). */
  isPending?(state: S, command: DecidedCommand): boolean;
  /** Reduce a finished run's state to what later inputs still need (kept in memory and snapshots). */
  isFinished?(state: S): boolean;
}

/** An event a tick injects; `key` is unique per fact (a timer, an attempt), so injecting twice stores one. */
export interface TickEvent {
  key: string;
  /** The time the fact is about (a timer's due time): the id's time bits. */
  atMs: number;
  event: AnyNewEvent;
}

export type AnyDecider = Decider<any, any>;

/**
 * Folds events a decision is about to emit, so decide can look at the state they lead to (the
 * planner starts the phases a completion unblocks). Envelope fields are placeholders: evolve must
 * never read ids or times of the decider's own events.
 */
export function foldNew<S>(decider: Pick<Decider<S, unknown>, 'evolve'>, state: S, events: AnyNewEvent[], runId: string): S {
  return events.reduce<S>((s, ev) => decider.evolve(s, { event: { id: '00000000-0000-7000-8000-000000000000', type: ev.type, schemaVersion: 1, runId, aggregateId: ev.aggregateId, occurredAt: '1970-01-01T00:00:00.000Z', producer: { service: 'decide', version: '0', instance: 'decide' }, causationId: null, correlationId: '00000000-0000-7000-8000-000000000000', payload: ev.payload } as AnyEventEnvelope, seq: 0, subject: '' }), state);
}

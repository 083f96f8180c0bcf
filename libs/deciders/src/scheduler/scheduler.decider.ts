import {
  addBudget, addUsage, AnyNewEvent, ArtifactRef, BUCKETS, canonicalJson, CommandPayload, EventType, idempotenceKey, JsonObject,
  newEvent, scaleBudget, sha256Hex, splitBudget, TaskInput, Usage, ZERO_USAGE,
} from '@ideamine/contracts';
import { DecidedBlob, DecidedCommand, Decider, Decision, foldNew, ignore, NOTHING } from '@ideamine/decider';
import { fanIn } from './fan-in';
import { initialSchedulerState, PhaseRunState, SchedulerState, TaskEntry } from './state';
import { dispatchable, planTasks } from './task-plan';

/** Outputs of tasks whose result came as an artifact, read for the fan-in (content-addressed, so deterministic). */
export type SchedulerExtra = Map<string, JsonObject> | undefined;

const OBSERVES: EventType[] = [
  'phase.started', 'task.scheduled', 'phase.progress', 'phase.aggregated', 'autofix.started',
  'task.claimed', 'task.checkpointed', 'artifact.stored', 'task.succeeded', 'task.failed',
  'task.quarantined', 'timer.fired', 'autofix.requested', 'budget.extended', 'run.cancelled', 'run.failed', 'command.received',
];

/**
 * Only content, no run or task ids: the same inputs give a byte-identical pack (and sha256) in any
 * run, whatever order the results arrived in.
 */
export interface EvidencePack {
  phase: string;
  gateAttempt: number;
  aggregation: string;
  tasks: { agent: string; iteration: number; shard: number; result: string }[];
  merged: unknown;
}

const FINISHED = new Set(['succeeded', 'failed']);

/**
 * The scheduler: turns a started phase into tasks for a worker pool under the phase's parallelism,
 * re-sends attempts (retry timers, budget extensions, operator retries), and fans the results in
 * from its own state into the phase's evidence pack once every task finished.
 */
export function schedulerDecider(pool = 'default'): Decider<SchedulerState, SchedulerExtra> {
  const decider: Decider<SchedulerState, SchedulerExtra> = {
    service: 'scheduler',
    owns: ['sched'],
    observes: new Set(OBSERVES),
    initialState: initialSchedulerState,

    evolve(state, { event: e, seq }) {
      switch (e.type) {
        case 'phase.started': {
          const p = e.payload;
          if (state.phases[p.phase]) return state;
          const phase: PhaseRunState = { phase: p.phase, status: 'running', config: p.config, input: p.input, upstream: p.upstream, budget: p.budget, gateAttempt: 1, tasks: planTasks(state.runId, p.config, 1) };
          return withPhase(state, phase);
        }
        case 'task.scheduled':
          return withTask(state, e.payload.phase, e.payload.taskId, () => ({ status: 'scheduled', attempt: e.payload.attempt, idempotenceKey: e.payload.idempotenceKey, claimed: false }));
        case 'task.claimed':
          return withTask(state, e.payload.phase, e.payload.taskId, (t) => (t.attempt === e.payload.attempt ? { claimed: true, tailSeq: seq } : { tailSeq: seq }));
        case 'task.checkpointed':
        case 'artifact.stored':
          return withTask(state, e.payload.phase, e.payload.taskId, () => ({ tailSeq: seq }));
        case 'task.succeeded':
          return withTask(state, e.payload.phase, e.payload.taskId, (t) =>
            t.status === 'scheduled' ? { status: 'succeeded', output: e.payload.output, result: e.payload.result, usage: e.payload.usage, succeededSeq: seq, tailSeq: seq } : { tailSeq: seq });
        case 'task.failed':
          return withTask(state, e.payload.phase, e.payload.taskId, (t) =>
            t.status === 'scheduled' && t.attempt === e.payload.attempt && e.payload.errorClass === 'budget' ? { status: 'parked', tailSeq: seq } : { tailSeq: seq });
        case 'task.quarantined':
          return withTask(state, e.payload.phase, e.payload.taskId, (t) => (t.status === 'scheduled' || t.status === 'parked' ? { status: 'failed' } : {}));
        case 'phase.aggregated': {
          const ph = state.phases[e.payload.phase];
          if (!ph) return state;
          // The pack holds the outputs now; the state keeps what later attempts and usage need.
          return withPhase(state, { ...ph, status: 'aggregated', tasks: ph.tasks.map(({ output: _o, ...t }) => t) });
        }
        case 'autofix.started': {
          const ph = state.phases[e.payload.phase];
          if (!ph || e.payload.gateAttempt <= ph.gateAttempt) return state;
          return withPhase(state, { ...ph, status: 'running', gateAttempt: e.payload.gateAttempt, tasks: planTasks(state.runId, ph.config, e.payload.gateAttempt) });
        }
        case 'budget.extended': {
          // An extension after the run ran out raises the budget of every phase that has parked
          // tasks, by their share, so the tasks scheduled after them get it too.
          const parkedTotal = Object.values(state.phases).reduce((n, ph) => n + ph.tasks.filter((t) => t.status === 'parked').length, 0);
          if (parkedTotal === 0) return state;
          const share = splitBudget(e.payload.add, parkedTotal);
          let next = state;
          for (const ph of Object.values(state.phases)) {
            const parked = ph.tasks.filter((t) => t.status === 'parked').length;
            if (parked) next = withPhase(next, { ...ph, budget: addBudget(ph.budget, scaleBudget(share, ph.tasks.length * parked)) });
          }
          return next;
        }
        case 'run.cancelled':
        case 'run.failed':
          return { ...state, stopped: true };
        default:
          // phase.progress, timer.fired, autofix.requested, command.received: decided on, nothing to fold.
          return state;
      }
    },

    decide(state, { event: e, subject }, extra) {
      if (state.stopped) return e.type === 'phase.started' ? ignore('run is stopped') : NOTHING;
      switch (e.type) {
        case 'phase.started': {
          const ph = state.phases[e.payload.phase];
          return ph?.status === 'running' ? dispatch(state, ph) : NOTHING;
        }
        case 'task.succeeded':
        case 'task.quarantined': {
          const ph = state.phases[e.payload.phase];
          const task = ph?.tasks.find((t) => t.taskId === e.payload.taskId);
          if (!ph || !task) return ignore(`${e.type} for unknown task ${e.payload.taskId}`);
          if (ph.status !== 'running') return ignore(`${e.type} for ${ph.phase}, already fanned in`);
          if (ph.tasks.every((t) => FINISHED.has(t.status))) return aggregate(ph, extra);
          const d = dispatch(state, ph);
          return e.type === 'task.succeeded' ? { ...d, events: [...progress(ph), ...d.events] } : d;
        }
        case 'timer.fired': {
          const a = e.payload.action;
          if (a.kind !== 'retry-task') return NOTHING;
          const ph = state.phases[a.phase];
          const task = ph?.tasks.find((t) => t.taskId === a.taskId);
          if (!ph || !task || ph.status !== 'running') return ignore(`retry timer for unknown or finished task ${a.taskId}`);
          if (task.status !== 'scheduled' || task.attempt + 1 !== a.attempt) return ignore(`retry of ${a.taskId} attempt ${a.attempt} no longer applies`);
          return send(state, ph, [task]);
        }
        case 'budget.extended': {
          const out: Decision = { events: [], commands: [] };
          for (const ph of Object.values(state.phases)) {
            const parked = ph.tasks.filter((t) => t.status === 'parked');
            if (ph.status !== 'running' || !parked.length) continue;
            const d = send(state, ph, parked);
            out.events.push(...d.events);
            out.commands!.push(...(d.commands ?? []));
          }
          return out;
        }
        case 'autofix.requested': {
          const ph = state.phases[e.payload.phase];
          if (!ph || ph.status !== 'aggregated' || ph.gateAttempt !== e.payload.gateAttempt) return ignore(`auto-fix for ${e.payload.phase} attempt ${e.payload.gateAttempt} does not apply`);
          const started = newEvent('autofix.started', ph.phase, { phase: ph.phase, strategy: e.payload.strategy, gateAttempt: ph.gateAttempt + 1 });
          const after = foldNew(decider, state, [started], state.runId);
          const d = dispatch(after, after.phases[ph.phase]);
          return { ...d, events: [started, ...d.events] };
        }
        case 'command.received': {
          if (!subject.endsWith('.cmd.scheduler') || e.payload.command !== 'retry-task') return NOTHING;
          const c = e.payload.payload;
          const ph = state.phases[c.phase];
          const task = ph?.tasks.find((t) => t.taskId === c.taskId);
          if (!ph || !task) return ignore(`retry of unknown task ${c.taskId}`);
          if (ph.status !== 'running' || !['failed', 'parked'].includes(task.status)) return ignore(`retry of ${c.taskId}: it is ${task.status} in a ${ph.status} phase`);
          return send(state, ph, [task]);
        }
        default:
          return NOTHING;
      }
    },

    async enrich(state, { event: e }, io) {
      // Only a completing phase needs outputs that came as artifacts.
      if (e.type !== 'task.succeeded' && e.type !== 'task.quarantined') return undefined;
      const ph = state.phases[e.payload.phase];
      if (!ph || ph.status !== 'running' || !ph.tasks.every((t) => FINISHED.has(t.status))) return undefined;
      const out = new Map<string, JsonObject>();
      for (const t of ph.tasks) {
        if (t.status === 'succeeded' && !t.output && t.result) out.set(t.taskId, (await io.readJsonArtifact<{ output: JsonObject }>(t.result)).output);
      }
      return out;
    },

    isPending(state, command: DecidedCommand) {
      if (command.name !== 'run-task') return true;
      const t = state.phases[command.payload.phase]?.tasks.find((x) => x.taskId === command.payload.taskId);
      return !!t && t.status === 'scheduled' && t.attempt === command.payload.attempt && !t.claimed && !state.stopped;
    },
  };

  /** Sends what the phase's parallelism allows now. */
  function dispatch(state: SchedulerState, ph: PhaseRunState): Decision {
    const ready = dispatchable(ph);
    return ready.length ? send(state, ph, ready) : NOTHING;
  }

  /** A new attempt of each task: the event that records it and the command that carries it. */
  function send(state: SchedulerState, ph: PhaseRunState, tasks: TaskEntry[]): Decision {
    const budget = splitBudget(ph.budget, ph.tasks.length);
    const events: AnyNewEvent[] = [];
    const commands: DecidedCommand[] = [];
    for (const t of tasks) {
      const input = taskInput(state.runId, ph, t);
      const attempt = t.attempt + 1;
      const key = t.idempotenceKey ?? idempotenceKey(input);
      const ref = { taskId: t.taskId, phase: ph.phase, agent: t.agent, attempt };
      events.push(newEvent('task.scheduled', t.taskId, { ...ref, idempotenceKey: key, pool, budget, gateAttempt: ph.gateAttempt, shard: t.shard, iteration: t.iteration }));
      const payload: CommandPayload<'run-task'> = { ...ref, idempotenceKey: key, budget, gateAttempt: ph.gateAttempt, shard: t.shard, iteration: t.iteration, fence: t.tailSeq, input };
      commands.push({ name: 'run-task', aggregateId: t.taskId, payload, key: `${t.taskId}:${attempt}`, pool });
    }
    return { events, commands };
  }

  return decider;
}

/** The input an agent receives; its canonical hash is the task's idempotence key. */
export function taskInput(runId: string, ph: PhaseRunState, task: TaskEntry): TaskInput {
  const previous = ph.tasks
    .filter((t) => t.status === 'succeeded' && t.succeededSeq && (t.iteration < task.iteration || ph.config.parallelism === 'sequential'))
    .map((t) => ({ agent: t.agent, iteration: t.iteration, shard: t.shard, succeededSeq: t.succeededSeq! }));
  return {
    runId, phase: ph.phase, agent: task.agent, gateAttempt: ph.gateAttempt, iteration: task.iteration, shard: task.shard,
    shards: ph.config.shards ?? 1, idea: ph.input, upstream: ph.upstream, previous,
  };
}

/** phase.progress at each quarter of a phase large enough for it to mean something. */
function progress(ph: PhaseRunState): AnyNewEvent[] {
  const total = ph.tasks.length;
  const done = ph.tasks.filter((t) => t.status === 'succeeded').length;
  if (total < 8 || done === total) return [];
  const step = Math.ceil(total / 4);
  return done % step === 0 ? [newEvent('phase.progress', ph.phase, { phase: ph.phase, done, total })] : [];
}

/** Fans the phase's results in, from state: the pack is stored as a blob and named by phase.aggregated. */
function aggregate(ph: PhaseRunState, extra: SchedulerExtra): Decision {
  const succeeded = ph.tasks.filter((t) => t.status === 'succeeded');
  const outputs = succeeded.map((t) => {
    const output = t.output ?? extra?.get(t.taskId);
    if (!output) throw new Error(`output of ${t.taskId} is neither inline nor resolved`);
    return { agent: t.agent, iteration: t.iteration, shard: t.shard, output };
  });
  const order = (a: { agent: string; iteration: number; shard: number }, b: typeof a) => a.iteration - b.iteration || a.agent.localeCompare(b.agent) || a.shard - b.shard;
  const pack: EvidencePack = {
    phase: ph.phase,
    gateAttempt: ph.gateAttempt,
    aggregation: ph.config.aggregation,
    tasks: [...outputs].sort(order).map((o) => ({ agent: o.agent, iteration: o.iteration, shard: o.shard, result: sha256Hex(canonicalJson(o.output)) })),
    merged: fanIn(ph.config.aggregation, outputs),
  };
  const content = Buffer.from(`${JSON.stringify(pack, null, 2)}\n`, 'utf8');
  const sha256 = sha256Hex(content);
  const ref: ArtifactRef = { bucket: BUCKETS.artifacts, name: sha256, sha256, size: content.length, contentType: 'application/json', kind: 'evidence-pack' };
  const blob: DecidedBlob = { ref, content };
  return {
    blobs: [blob],
    events: [newEvent('phase.aggregated', ph.phase, { phase: ph.phase, gateAttempt: ph.gateAttempt, evidencePack: ref, taskCount: ph.tasks.length, usage: totalUsage(ph.tasks) })],
  };
}

export function totalUsage(tasks: TaskEntry[]): Usage {
  return tasks.reduce<Usage>((acc, t) => (t.usage ? addUsage(acc, t.usage) : acc), ZERO_USAGE);
}

function withPhase(state: SchedulerState, phase: PhaseRunState): SchedulerState {
  return { ...state, phases: { ...state.phases, [phase.phase]: phase } };
}

function withTask(state: SchedulerState, phase: string, taskId: string, patch: (t: TaskEntry) => Partial<TaskEntry>): SchedulerState {
  const ph = state.phases[phase];
  const i = ph?.tasks.findIndex((t) => t.taskId === taskId) ?? -1;
  if (!ph || i < 0) return state;
  const tasks = [...ph.tasks];
  tasks[i] = { ...tasks[i], ...patch(tasks[i]) };
  return withPhase(state, { ...ph, tasks });
}

import type { KV, ObjectStore } from 'nats';
import {
  AnyEventEnvelope, AnyNewEvent, ArtifactRef, BUCKETS, CommandEnvelope, decodeMessage, deriveEventId, EventEnvelope, JsonObject, newEvent,
  STREAMS, subjects,
} from '@ideamine/contracts';
import { ConcurrencyConflictError, LeaveUnackedError, NatsResources, putArtifact, putJsonArtifact, readSnapshot } from '@ideamine/jetstream';
import { CachedArtifacts } from '@ideamine/decider';
import { AgentContext, AgentInput, AgentRegistry, BudgetExceededError, classifyError, LlmClient, LlmProvider } from '@ideamine/agents';
import type { EventPublisher } from '@ideamine/service-kit';
import type { Logger } from '@ideamine/telemetry';
import { assertValidInput, assertValidOutput } from './output-validator';

/** Outputs up to this size travel inline in task.succeeded; larger ones are stored as artifacts. */
export const INLINE_OUTPUT_MAX_BYTES = 16 * 1024;

export interface TaskRunnerDeps {
  nats: NatsResources;
  registry: AgentRegistry;
  provider: LlmProvider;
  workerId: string;
  publisher: EventPublisher;
  heartbeatMs?: number;
}

type RunTask = CommandEnvelope<'run-task'>;

/** The task's own subject moved under this attempt: a newer attempt holds it now. */
export class AttemptFencedError extends LeaveUnackedError {}

const checkpointKey = (taskId: string) => `c.${taskId}`;
const TERMINAL = new Set(['task.succeeded', 'task.failed']);

/**
 * Runs one attempt of a task. The task's subject (im.evt.<run>.task.<taskId>) is the attempt's
 * log and its fence: the claim is published with Nats-Expected-Last-Subject-Sequence = the fence the
 * scheduler computed, every later event of the attempt expects the one before it, so once another
 * attempt claims the subject nothing this one publishes is accepted — not its checkpoints, not its
 * result. A redelivered command first reads the subject's tail: a finished attempt is not run (or
 * paid) again; an attempt whose worker went silent long enough for JetStream to redeliver is taken over.
 */
export class TaskRunner {
  private kvCheckpoints?: KV;
  private os?: ObjectStore;
  private readonly artifacts: CachedArtifacts;

  constructor(private readonly deps: TaskRunnerDeps) {
    this.artifacts = new CachedArtifacts(() => this.objectStore());
  }

  private async objectStore() {
    return (this.os ??= await this.deps.nats.js.views.os(BUCKETS.artifacts));
  }

  async run(env: RunTask, delivery: number, logger: Logger): Promise<void> {
    const p = env.payload;
    const ref = { taskId: p.taskId, phase: p.phase, agent: p.agent, attempt: p.attempt };
    const claimed = await this.claim(env, delivery, logger);
    if (!claimed) return;
    let tail = claimed.seq;
    const append = async (events: AnyNewEvent[]) => {
      for (const [i, ev] of events.entries()) {
        try {
          const r = await this.deps.publisher.appendEvent(ev, {
            runId: env.runId, id: deriveEventId(claimed.id, `${tail}:${i}:${ev.type}`), causationId: env.id, correlationId: env.correlationId, expectLastSubjectSequence: tail,
          });
          tail = r.seq;
        } catch (err) {
          if (err instanceof ConcurrencyConflictError) throw new AttemptFencedError(`attempt ${p.attempt} of ${p.taskId} was fenced by a newer claim; its ${ev.type} is refused`);
          throw err;
        }
      }
    };

    this.kvCheckpoints ??= await this.deps.nats.js.views.kv(BUCKETS.checkpoints);
    const checkpoints = this.kvCheckpoints;
    const os = await this.objectStore();
    const llm = new LlmClient(this.deps.provider, p.budget, { agent: p.agent });
    const stored: ArtifactRef[] = [];
    let lastProgress = 0;
    const beat = (progress?: number, note?: string) => {
      if (progress !== undefined) lastProgress = progress;
      const body = JSON.stringify({ taskId: p.taskId, attempt: p.attempt, phase: p.phase, agent: p.agent, workerId: this.deps.workerId, at: new Date().toISOString(), progress: lastProgress, note });
      // Telemetry: a lost heartbeat is tolerated (the supervisor allows several misses).
      this.deps.nats.js.publish(subjects.heartbeat(env.runId, p.taskId), Buffer.from(body)).catch(() => undefined);
    };
    const timer = setInterval(() => beat(), this.deps.heartbeatMs ?? 5000);
    try {
      const agent = this.deps.registry.get(p.agent);
      const input = await this.resolveInput(env);
      assertValidInput(agent, input);
      const ctx: AgentContext = {
        input,
        llm,
        checkpoint: {
          load: async () => readSnapshot(checkpoints, checkpointKey(p.taskId)),
          save: async (step, state) => {
            await checkpoints.put(checkpointKey(p.taskId), Buffer.from(JSON.stringify({ step, state })));
            await append([newEvent('task.checkpointed', p.taskId, { ...ref, step })]);
          },
        },
        heartbeat: () => beat(),
        progress: (pct, note) => beat(Math.max(0, Math.min(100, pct)), note),
        artifacts: {
          put: async (kind, content, contentType = 'text/plain') => {
            const a = await putArtifact(os, BUCKETS.artifacts, content, kind, contentType);
            stored.push(a);
            return a;
          },
        },
        remainingBudget: () => llm.remaining(),
        usage: () => llm.usage(),
      };
      const output = (await agent.run(ctx)) as JsonObject;
      assertValidOutput(agent, output);
      const usage = llm.usage();
      const inline = Buffer.byteLength(JSON.stringify(output)) <= INLINE_OUTPUT_MAX_BYTES;
      const result = inline ? {} : { result: await putJsonArtifact(os, BUCKETS.artifacts, { agent: p.agent, phase: p.phase, iteration: p.iteration, shard: p.shard, output }, `task-result:${p.agent}`) };
      await append([
        ...stored.map((artifact) => newEvent('artifact.stored', p.taskId, { ...ref, artifact })),
        newEvent('task.succeeded', p.taskId, { ...ref, ...(inline ? { output } : result), usage, replayed: false }),
      ]);
      logger.debug({ tokens: usage.tokens }, 'task succeeded');
    } catch (err) {
      if (err instanceof AttemptFencedError) throw err;
      const e = classifyError(err);
      logger.warn({ errorClass: e.errorClass, err: e.message }, 'task failed');
      const budgetExceeded = e instanceof BudgetExceededError ? { dimension: e.dimension, limit: e.limit, used: e.used } : undefined;
      const retryAfterMs = (e as { retryAfterMs?: number }).retryAfterMs;
      await append([newEvent('task.failed', p.taskId, {
        ...ref, errorClass: e.errorClass, retryable: e.retryable, message: e.message.slice(0, 4000),
        ...(budgetExceeded ? { budgetExceeded } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs: Math.round(retryAfterMs) } : {}),
      })]);
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Claims the attempt on the task's subject. Returns undefined when there is nothing to run: the
   * attempt already finished, or another worker holds it and this delivery is a duplicate.
   */
  private async claim(env: RunTask, delivery: number, logger: Logger): Promise<{ id: string; seq: number } | undefined> {
    const p = env.payload;
    const claimOn = async (expected: number) => {
      const id = deriveEventId(env.id, `claim:${delivery}:${expected}`);
      const r = await this.deps.publisher.appendEvent(
        newEvent('task.claimed', p.taskId, { taskId: p.taskId, phase: p.phase, agent: p.agent, attempt: p.attempt, workerId: this.deps.workerId, leaseMs: 30_000, resumedFromStep: 0 }),
        { runId: env.runId, id, causationId: env.id, correlationId: env.correlationId, expectLastSubjectSequence: expected },
      );
      return { id, seq: r.seq };
    };
    try {
      return await claimOn(p.fence);
    } catch (err) {
      if (!(err instanceof ConcurrencyConflictError)) throw err;
    }
    const last = await this.lastOnTask(env.runId, p.taskId);
    const lastAttempt = last && 'attempt' in last.event.payload ? last.event.payload.attempt : 0;
    if (!last || lastAttempt !== p.attempt) {
      logger.info({ lastAttempt }, 'stale task command: a different attempt holds the task; dropped');
      return undefined;
    }
    if (TERMINAL.has(last.event.type)) {
      logger.info({ type: last.event.type }, 'attempt already finished; nothing to run or pay again');
      return undefined;
    }
    if (delivery <= 1) {
      logger.info('attempt already claimed by another worker; duplicate command dropped');
      return undefined;
    }
    // JetStream redelivered: the claimer stopped keeping the message alive. Take the attempt over;
    // the claim moves the subject, so whatever the old claimer still sends is refused.
    logger.warn({ previous: last.event.producer.instance }, 'taking over an attempt whose worker went silent');
    try {
      return await claimOn(last.seq);
    } catch (err) {
      if (err instanceof ConcurrencyConflictError) throw new AttemptFencedError('the attempt moved while taking it over');
      throw err;
    }
  }

  private async lastOnTask(runId: string, taskId: string): Promise<{ seq: number; event: AnyEventEnvelope } | undefined> {
    try {
      const m = await this.deps.nats.jsm.streams.getMessage(STREAMS.events, { last_by_subj: subjects.event(runId, 'task', taskId) });
      return { seq: m.seq, event: decodeMessage('evt', m.data) as AnyEventEnvelope };
    } catch (err) {
      if ((err as { api_error?: { err_code?: number } }).api_error?.err_code === 10037) return undefined;
      throw err;
    }
  }

  /** Replaces references with content: upstream evidence packs (merged part) and earlier results of the phase. */
  private async resolveInput(env: RunTask): Promise<AgentInput> {
    const raw = env.payload.input;
    const upstream: AgentInput['upstream'] = {};
    for (const u of raw.upstream) {
      upstream[u.phase] = (await this.artifacts.readJsonArtifact<{ merged: Record<string, unknown> }>(u.evidencePack)).merged;
    }
    const previous: AgentInput['previous'] = [];
    for (const pr of raw.previous) {
      const m = await this.deps.nats.jsm.streams.getMessage(STREAMS.events, { seq: pr.succeededSeq });
      const done = decodeMessage('evt', m.data) as EventEnvelope<'task.succeeded'>;
      if (done.type !== 'task.succeeded') throw new Error(`sequence ${pr.succeededSeq} is ${done.type}, not the task.succeeded of ${pr.agent}`);
      const output = done.payload.output ?? (await this.artifacts.readJsonArtifact<{ output: JsonObject }>(done.payload.result!)).output;
      previous.push({ agent: pr.agent, iteration: pr.iteration, output: output as Record<string, unknown> });
    }
    return { runId: env.runId, phase: raw.phase, agent: raw.agent, gateAttempt: raw.gateAttempt, iteration: raw.iteration, shard: raw.shard, shards: raw.shards, idea: raw.idea, upstream, previous };
  }
}

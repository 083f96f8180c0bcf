import type { KV, ObjectStore } from 'nats';
import { ArtifactRef, BUCKETS, Cause, CommandEnvelope, newEvent, NewEvent, subjects } from '@ideamine/contracts';
import { getJsonArtifact, NatsResources, putArtifact, putJsonArtifact, readSnapshot } from '@ideamine/jetstream';
import { AgentContext, AgentInput, AgentRegistry, BudgetExceededError, classifyError, LlmClient, LlmProvider } from '@ideamine/agents';
import type { Logger } from '@ideamine/telemetry';
import { assertValidInput, assertValidOutput } from './output-validator';
import { checkpointKey, RecordedTaskResult, resultKey } from './task-result';

export interface TaskRunnerDeps {
  nats: NatsResources;
  registry: AgentRegistry;
  provider: LlmProvider;
  workerId: string;
  publish: (cause: Cause, events: NewEvent[]) => Promise<void>;
  heartbeatMs?: number;
}

type RunTask = CommandEnvelope<'run-task'>;

/**
 * Runs one task command end to end. Order matters for "never pay twice": the result is written to
 * KV (by idempotence key) before task.succeeded is published, and a redelivered command whose key
 * already has a result republishes it instead of calling the agent again.
 */
export class TaskRunner {
  private kvResults?: KV;
  private kvCheckpoints?: KV;
  private os?: ObjectStore;

  constructor(private readonly deps: TaskRunnerDeps) {}

  private async stores() {
    const js = this.deps.nats.js;
    this.kvResults ??= await js.views.kv(BUCKETS.taskResults);
    this.kvCheckpoints ??= await js.views.kv(BUCKETS.checkpoints);
    this.os ??= await js.views.os(BUCKETS.artifacts);
    return { results: this.kvResults, checkpoints: this.kvCheckpoints, os: this.os };
  }

  async run(env: RunTask, logger: Logger): Promise<void> {
    const p = env.payload;
    const ref = { taskId: p.taskId, phase: p.phase, agent: p.agent, attempt: p.attempt };
    const { results, checkpoints, os } = await this.stores();
    const publish = (events: NewEvent[]) => this.deps.publish({ id: env.id, correlationId: env.correlationId, runId: env.runId }, events);

    const recorded = await readSnapshot<RecordedTaskResult>(results, resultKey(p.idempotenceKey));
    if (recorded) {
      logger.info({ taskId: p.taskId }, 'task already paid for; republishing its recorded result');
      await publish([newEvent('task.succeeded', p.taskId, { ...ref, result: recorded.result, usage: recorded.usage, replayed: true })]);
      return;
    }

    const checkpoint = await readSnapshot<{ step: number; state: unknown }>(checkpoints, checkpointKey(p.taskId));
    await publish([newEvent('task.claimed', p.taskId, { ...ref, workerId: this.deps.workerId, leaseMs: 30_000, resumedFromStep: checkpoint?.step ?? 0 })]);

    const llm = new LlmClient(this.deps.provider, p.budget);
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
      const input = await this.resolveInput(os, env);
      assertValidInput(agent, input);
      const ctx: AgentContext = {
        input,
        llm,
        checkpoint: {
          load: async () => readSnapshot(checkpoints, checkpointKey(p.taskId)),
          save: async (step, state) => {
            await checkpoints.put(checkpointKey(p.taskId), Buffer.from(JSON.stringify({ step, state })));
            await publish([newEvent('task.checkpointed', p.taskId, { ...ref, step })]).catch(() => undefined);
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
      const output = await agent.run(ctx);
      assertValidOutput(agent, output);
      const usage = llm.usage();
      const result = await putJsonArtifact(os, BUCKETS.artifacts, { agent: p.agent, phase: p.phase, iteration: p.iteration, shard: p.shard, output }, `task-result:${p.agent}`);
      const record: RecordedTaskResult = { taskId: p.taskId, agent: p.agent, result, usage, artifacts: stored };
      await results.put(resultKey(p.idempotenceKey), Buffer.from(JSON.stringify(record)));
      await publish([
        ...stored.map((artifact) => newEvent('artifact.stored', p.taskId, { ...ref, artifact })),
        newEvent('task.succeeded', p.taskId, { ...ref, result, usage, replayed: false }),
      ]);
      logger.info({ taskId: p.taskId, agent: p.agent, tokens: usage.tokens }, 'task succeeded');
    } catch (err) {
      const e = classifyError(err);
      logger.warn({ taskId: p.taskId, agent: p.agent, errorClass: e.errorClass, err: e.message }, 'task failed');
      const budgetExceeded = e instanceof BudgetExceededError ? { dimension: e.dimension, limit: e.limit, used: e.used } : undefined;
      await publish([newEvent('task.failed', p.taskId, { ...ref, errorClass: e.errorClass, retryable: e.retryable, message: e.message.slice(0, 4000), ...(budgetExceeded ? { budgetExceeded } : {}) })]);
    } finally {
      clearInterval(timer);
    }
  }

  /** Replaces refs with content: upstream evidence packs (merged part) and earlier task outputs. */
  private async resolveInput(os: ObjectStore, env: RunTask): Promise<AgentInput> {
    const raw = env.payload.input as {
      shards?: number;
      idea: AgentInput['idea'];
      upstream: { phase: string; evidencePack: ArtifactRef }[];
      previous: { agent: string; iteration: number; result: ArtifactRef }[];
    };
    const upstream: AgentInput['upstream'] = {};
    for (const u of raw.upstream ?? []) {
      upstream[u.phase] = (await getJsonArtifact<{ merged: Record<string, unknown> }>(os, u.evidencePack)).merged;
    }
    const previous: AgentInput['previous'] = [];
    for (const pr of raw.previous ?? []) {
      const r = await getJsonArtifact<{ output: Record<string, unknown> }>(os, pr.result);
      previous.push({ agent: pr.agent, iteration: pr.iteration, output: r.output });
    }
    const p = env.payload;
    return { runId: env.runId, phase: p.phase, agent: p.agent, gateAttempt: p.gateAttempt, iteration: p.iteration, shard: p.shard, shards: raw.shards ?? 1, idea: raw.idea, upstream, previous };
  }
}

/**
 * The one place that knows how today's pipeline is driven. Everything else in bench/ is
 * shape-agnostic: it submits jobs (one run, one phase of N no-op tasks) and is told when each
 * completes. When the runtime changes, adapt this file only:
 *   - services / serviceEnv: which processes make up the pipeline and how they are configured;
 *   - shape + phaseConfig: how a phase of N tasks is expressed;
 *   - submit: what starts a job (today: a `phase.started` event, as the planner would publish);
 *   - the completion watcher: what says a job is done (today: `phase.aggregated` on the stream);
 *   - progress / settled: how finished tasks are counted and when trailing work has caught up.
 */
import { join } from 'node:path';
import { DeliverPolicy, type ConsumerMessages, type JsMsg } from 'nats';
import { Client } from 'pg';
import { envelopeEvent, HEADERS, newEvent, PhaseConfig, STREAMS, uuidv7 } from '@ideamine/contracts';
import { publishEnvelope } from '@ideamine/jetstream';
import type { BenchSession, DriverEnv, Job, JobShape, PipelineDriver, Progress } from './lib/driver';

/** PhaseConfig allows at most this many shards per agent. */
const MAX_SHARDS = 32;
const PHASE = 'bench';

/**
 * N tasks as agents x shards. Up to 32: one agent (NoopAgent) with N shards. Beyond: k no-op
 * agents (NoopAgent, NoopAgent1, ..., registered by noop-agents.ts) with s shards each, k x s = N
 * exactly when some k up to twice the minimum allows it, else rounded up (reported).
 */
export function phaseShape(requested: number): { agents: number; shards: number } {
  const n = Math.max(1, Math.floor(requested));
  if (n <= MAX_SHARDS) return { agents: 1, shards: n };
  const minAgents = Math.ceil(n / MAX_SHARDS);
  for (let k = minAgents; k <= 2 * minAgents; k++) if (n % k === 0) return { agents: k, shards: n / k };
  return { agents: minAgents, shards: Math.ceil(n / minAgents) };
}

const agentName = (i: number) => (i === 0 ? 'NoopAgent' : `NoopAgent${i}`);

function phaseConfig(tasks: number): PhaseConfig {
  const { agents, shards } = phaseShape(tasks);
  return {
    phase: PHASE,
    dependsOn: [],
    parallelism: 'parallel',
    ...(shards > 1 ? { shards } : {}),
    aggregation: 'merge',
    agents: Array.from({ length: agents }, (_, i) => agentName(i)),
    budgets: { tokens: 1000, usd: 0, toolMinutes: 1, wallclockMinutes: 60 },
    guards: [],
    gate: { passThreshold: 0, autoFix: false, maxAttempts: 1 },
    estimatedMinutes: 1,
  };
}

export const pipelineDriver: PipelineDriver = {
  services: ['ledger-projector', 'scheduler', 'worker', 'gatekeeper', 'supervisor'],

  serviceEnv({ workerConcurrency, largestJobTasks, root }) {
    const preload = join(root, 'dist', 'bench', 'noop-agents.js');
    return {
      LOG_LEVEL: 'warn',
      // Consumers validate what they receive; a bench measures production settings.
      IM_VALIDATE_PUBLISH: '0',
      IM_WORKER_CONCURRENCY: String(workerConcurrency),
      IM_BENCH_NOOP_AGENTS: String(phaseShape(largestJobTasks).agents),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${preload}"`.trim(),
    };
  },

  shape(requested): JobShape {
    const { agents, shards } = phaseShape(requested);
    return { tasks: agents * shards, description: agents === 1 ? `1 agent x ${shards} shard${shards > 1 ? 's' : ''}` : `${agents} no-op agents x ${shards} shards` };
  },

  async open(env: DriverEnv): Promise<BenchSession> {
    const jsm = await env.nc.jetstreamManager();
    const startSeq = (await jsm.streams.info(STREAMS.events)).state.last_seq + 1;
    const keyOfRun = new Map<string, string>();
    const aggregatedPerRun = new Map<string, number>();
    let callback: ((key: string) => void) | undefined;
    const producer = { service: 'bench', version: '0', instance: 'bench' };

    // Completion: phase.aggregated read from the stream. The scheduler's subject for a phase also
    // carries task.scheduled and phase.progress; headers only, since the type is in a header.
    const watcher = await env.js.consumers.get(STREAMS.events, {
      filterSubjects: `im.evt.*.sched.${PHASE}`,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startSeq,
      headers_only: true,
    });
    const watched: ConsumerMessages = await watcher.consume();
    void (async () => {
      for await (const m of watched) {
        if (m.headers?.get(HEADERS.eventType) !== 'phase.aggregated') continue;
        const runId = m.subject.split('.')[2];
        const n = (aggregatedPerRun.get(runId) ?? 0) + 1;
        aggregatedPerRun.set(runId, n);
        const key = keyOfRun.get(runId);
        if (key !== undefined && n === 1) callback?.(key);
      }
    })();

    const pg = env.databaseUrl ? new Client({ connectionString: env.databaseUrl }) : undefined;
    await pg?.connect();

    return {
      async submit(job: Job) {
        const runId = uuidv7();
        const cause = uuidv7();
        keyOfRun.set(runId, job.key);
        const config = phaseConfig(job.tasks);
        const ev = newEvent('phase.started', PHASE, { phase: PHASE, config, input: { idea: `bench job ${job.key}`, targetUsers: [], constraints: [] }, upstream: [], budget: config.budgets });
        const { subject, envelope } = envelopeEvent(ev, { id: cause, correlationId: cause, runId }, producer, 0);
        await publishEnvelope(env.js, 'evt', subject, envelope);
      },

      onComplete(cb) {
        callback = cb;
      },

      async progress(): Promise<Progress> {
        const r = await readTaskOutcomes(env, startSeq, new Set(keyOfRun.keys()));
        const notes: string[] = [];
        if (r.paidTwice > 0) notes.push(`${r.paidTwice} task(s) succeeded more than once without replay (paid twice)`);
        const dupRuns = [...aggregatedPerRun.values()].filter((n) => n > 1).length;
        if (dupRuns > 0) notes.push(`${dupRuns} run(s) saw more than one phase.aggregated`);
        return { tasksDone: r.tasksDone, lastDoneAt: r.lastDoneAt, notes };
      },

      async settled() {
        // The projector has applied everything on the event stream.
        if (!pg) return true;
        const tip = (await jsm.streams.info(STREAMS.events)).state.last_seq;
        const rows = await pg.query('SELECT min(last_seq) AS seq FROM rm.checkpoint');
        return Number(rows.rows[0]?.seq ?? 0) >= tip;
      },

      cpuTargets: () => [],

      async close() {
        await watched.close();
        await pg?.end().catch(() => undefined);
      },
    };
  },
};

/** Distinct tasks of our runs with a task.succeeded, and how many paid (replayed=false) twice. */
async function readTaskOutcomes(env: DriverEnv, startSeq: number, runs: Set<string>): Promise<{ tasksDone: number; lastDoneAt?: number; paidTwice: number }> {
  const jsm = await env.nc.jetstreamManager();
  const lastSeq = (await jsm.streams.info(STREAMS.events)).state.last_seq;
  const paid = new Map<string, number>();
  const succeeded = new Set<string>();
  let lastDoneAt: number | undefined;
  if (lastSeq < startSeq) return { tasksDone: 0, paidTwice: 0 };
  const c = await env.js.consumers.get(STREAMS.events, { filterSubjects: 'im.evt.*.task.*', deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: startSeq });
  const it = await c.consume();
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => void it.close(), 2000); // no more matching messages
  };
  armIdle();
  for await (const m of it as AsyncIterable<JsMsg>) {
    armIdle();
    const [, , runId, , taskId] = m.subject.split('.');
    if (runs.has(runId) && m.headers?.get(HEADERS.eventType) === 'task.succeeded') {
      succeeded.add(taskId);
      const at = Math.floor(m.info.timestampNanos / 1e6);
      lastDoneAt = Math.max(lastDoneAt ?? 0, at);
      const body = m.json<{ payload?: { replayed?: boolean } }>();
      if (body.payload?.replayed === false) paid.set(taskId, (paid.get(taskId) ?? 0) + 1);
    }
    if (m.seq >= lastSeq || m.info.pending === 0) break;
  }
  clearTimeout(idle);
  await it.close();
  return { tasksDone: succeeded.size, lastDoneAt, paidTwice: [...paid.values()].filter((n) => n > 1).length };
}

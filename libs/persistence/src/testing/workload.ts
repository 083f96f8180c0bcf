import { headers as natsHeaders, JetStreamClient } from 'nats';
import {
  ArtifactRef, Budget, EventEnvelope, EventPayload, EventType, EVENT_CATALOG, HEADERS, newEvent, PhaseConfig, subjects, Usage, uuidv7,
} from '@ideamine/contracts';
import type { StreamMessage } from '../projection/messages';

/**
 * Realistic IM_EVENTS traffic for tests and benches: whole runs through the thirteen phases with
 * retries, timers, gate failures and auto-fix, waivers, budgets, the knowledge map and a dossier,
 * and, when asked, the faults a projector meets (republished duplicates, invalid messages, events
 * of a type it does not know). Deterministic for a seed, so a test can recompute what it expects.
 */
export interface GeneratedMessage {
  subject: string;
  data: Uint8Array;
  /** Nats-Msg-Id to publish with (duplicates get their own, as after the dedupe window). */
  msgId: string;
  kind: 'event' | 'duplicate' | 'invalid' | 'unknown';
  type: string;
  runId: string;
}

export interface WorkloadOptions {
  seed?: number;
  runs: number;
  /** Add duplicates, invalid and unknown-type messages (about 1 in 200 each). */
  faults?: boolean;
  /** Phases per run (1..13). */
  phases?: number;
  startTime?: number;
}

const PHASES: { phase: string; agents: string[] }[] = [
  { phase: 'intake', agents: ['IdeaParserAgent', 'ClarifierAgent', 'ScopeAgent'] },
  { phase: 'ideation', agents: ['UseCaseAgent', 'PersonaAgent', 'MarketAgent', 'DifferentiatorAgent'] },
  { phase: 'critique', agents: ['RedTeamAgent', 'RiskAgent', 'AssumptionAgent'] },
  { phase: 'prd', agents: ['StoryCutterAgent', 'PRDWriterAgent', 'UXFlowAgent', 'NFRsAgent', 'TraceMatrixAgent'] },
  { phase: 'bizdev', agents: ['PricingAgent', 'GTMAgent', 'CompetitorAgent'] },
  { phase: 'architecture', agents: ['ArchitectAgent', 'DataModelAgent', 'APIDesignAgent', 'ADRAgent'] },
  { phase: 'build', agents: ['ScaffoldAgent', 'CodegenAgent', 'MigrationAgent', 'RepoAgent'] },
  { phase: 'security', agents: ['ThreatModelAgent', 'SASTAgent', 'SBOMAgent'] },
  { phase: 'story-loop', agents: ['StoryImplAgent', 'StoryReviewAgent'] },
  { phase: 'qa', agents: ['TestPlanAgent', 'E2EAgent', 'LoadTestAgent', 'A11yAgent'] },
  { phase: 'aesthetic', agents: ['VisualAgent', 'CopyAgent'] },
  { phase: 'release', agents: ['ReleaseNotesAgent', 'DeployPlanAgent', 'RollbackAgent'] },
  { phase: 'beta', agents: ['BetaCohortAgent', 'FeedbackAgent'] },
];

const WORDS = 'plant water reminder schedule garden sensor moisture alert family share offline sync calendar photo growth journal weather forecast community tips'.split(' ');

/** mulberry32: a tiny seeded PRNG, so a workload is the same for the same seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
    bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))),
    hex: (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))).toString('hex').slice(0, n),
    words: (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' '),
  };
}
type Rng = ReturnType<typeof prng>;

const producerOf = (service: string) => ({ service, version: '0.1.0', instance: `${service}-1` });
const OWNER: Record<string, string> = { run: 'planner', phase: 'planner', sched: 'scheduler', task: 'worker', kmap: 'worker', sup: 'supervisor', gate: 'gatekeeper', dossier: 'dossier' };

export function generateWorkload(opts: WorkloadOptions): GeneratedMessage[] {
  const out: GeneratedMessage[] = [];
  for (const m of workloadStream(opts)) out.push(m);
  return out;
}

/**
 * The same workload as a generator (for a million events without holding them all). Up to eight
 * runs are in progress at once and their messages interleave, each run's own in causal order.
 */
export function* workloadStream(opts: WorkloadOptions): Generator<GeneratedMessage> {
  const rng = prng(opts.seed ?? 1);
  let clock = opts.startTime ?? Date.UTC(2026, 0, 5, 9, 0, 0);
  const tick = () => (clock += rng.int(1, 40));
  const active: Generator<GeneratedMessage>[] = [];
  let started = 0;
  for (;;) {
    while (active.length < 8 && started < opts.runs) {
      active.push(runMessages(rng, tick, opts));
      started++;
    }
    if (!active.length) return;
    const i = rng.int(0, active.length - 1);
    const next = active[i].next();
    if (next.done) active.splice(i, 1);
    else yield next.value;
  }
}

function* runMessages(rng: Rng, tick: () => number, opts: WorkloadOptions): Generator<GeneratedMessage> {
  const runId = uuidv7(tick(), rng.bytes(10));
  const correlationId = runId;
  let cause = runId;
  const emitted: GeneratedMessage[] = [];
  const emit = <T extends EventType>(type: T, aggregateId: string, payload: EventPayload<T>): GeneratedMessage => {
    const ev = newEvent(type, aggregateId, payload);
    const kind = EVENT_CATALOG[type].aggregate;
    const envelope: EventEnvelope<T> = {
      id: uuidv7(tick(), rng.bytes(10)), type, schemaVersion: 1, runId, aggregateId, occurredAt: new Date(tick()).toISOString(),
      producer: producerOf(OWNER[kind]), causationId: cause, correlationId, payload: ev.payload,
    };
    cause = envelope.id;
    const m: GeneratedMessage = { subject: subjects.event(runId, kind, aggregateId), data: Buffer.from(JSON.stringify(envelope)), msgId: envelope.id, kind: 'event', type, runId };
    emitted.push(m);
    return m;
  };
  const fault = (): GeneratedMessage[] => {
    if (!opts.faults) return [];
    const extra: GeneratedMessage[] = [];
    if (rng.chance(0.005) && emitted.length) {
      const orig = rng.pick(emitted);
      extra.push({ ...orig, msgId: `${orig.msgId}-again-${rng.hex(8)}`, kind: 'duplicate' });
    }
    if (rng.chance(0.005)) {
      const bad = rng.chance(0.5)
        ? Buffer.from(`{"id":"${uuidv7(tick(), rng.bytes(10))}","type":"task.succeeded","runId":"${runId}",`)
        : Buffer.from(JSON.stringify({ id: uuidv7(tick(), rng.bytes(10)), type: 'task.claimed', schemaVersion: 1, runId, aggregateId: 't-x', occurredAt: new Date(tick()).toISOString(), producer: producerOf('worker'), causationId: null, correlationId: runId, payload: { taskId: 't-x', attempt: 0 } }));
      extra.push({ subject: subjects.event(runId, 'task', 't-x'), data: bad, msgId: `bad-${rng.hex(16)}`, kind: 'invalid', type: 'invalid', runId });
    }
    if (rng.chance(0.005)) {
      const env = { id: uuidv7(tick(), rng.bytes(10)), type: 'ops.annotated', schemaVersion: 1, runId, aggregateId: 'notes', occurredAt: new Date(tick()).toISOString(), producer: producerOf('ops'), causationId: null, correlationId: runId, payload: { note: rng.words(6) } };
      // A type from a newer producer that this code does not know.
      extra.push({ subject: `im.evt.${runId}.sup.notes`, data: Buffer.from(JSON.stringify(env)), msgId: env.id, kind: 'unknown', type: 'ops.annotated', runId });
    }
    return extra;
  };
  const withFaults = function* (m: GeneratedMessage) {
    yield m;
    yield* fault();
  };

  const budget: Budget = { tokens: 400000, usd: 12, toolMinutes: 120, wallclockMinutes: 600 };
  const nPhases = Math.max(1, Math.min(13, opts.phases ?? 13));
  const configs: PhaseConfig[] = PHASES.slice(0, nPhases).map((p, i) => ({
    phase: p.phase, dependsOn: i === 0 ? [] : [PHASES[i - 1].phase], parallelism: rng.pick(['parallel', 'sequential', 2] as const), aggregation: 'merge',
    agents: p.agents, budgets: { tokens: 30000, usd: 0.9, toolMinutes: 9, wallclockMinutes: 45 },
    guards: [{ type: 'coverage', min: 5 }, { type: 'grounding', threshold: 0.85 }, { type: 'contradictions', max: 0 }],
    gate: { passThreshold: 0.7, autoFix: true, maxAttempts: 5 }, estimatedMinutes: rng.int(5, 60),
  }));
  const input = { idea: `${rng.words(rng.int(20, 120))}.`, targetUsers: [rng.words(3), rng.words(2)], constraints: [rng.words(6)] };
  yield* withFaults(emit('run.requested', '_', { input, budget, configSet: 'default', phases: configs }));
  yield* withFaults(emit('run.planned', '_', { phases: configs, levels: configs.map((c) => [c.phase]), criticalPath: configs.map((c) => c.phase), estimatedMinutes: configs.reduce((a, c) => a + c.estimatedMinutes, 0) }));
  yield* withFaults(emit('run.started', '_', {}));
  const ref = (kind: string, size = rng.int(200, 20000)): ArtifactRef => {
    const sha = rng.hex(64);
    return { bucket: 'im-artifacts', name: sha, sha256: sha, size, contentType: 'application/json', kind };
  };
  const usage = (): Usage => ({ tokens: rng.int(200, 6000), usd: Math.round(rng.next() * 0.2 * 1e6) / 1e6, toolMinutes: rng.chance(0.3) ? Math.round(rng.next() * 3 * 100) / 100 : 0, wallclockMs: rng.int(300, 60000) });
  let upstream: { phase: string; evidencePack: ArtifactRef }[] = [];
  let failedRun = false;
  for (const c of configs) {
    yield* withFaults(emit('phase.started', c.phase, { phase: c.phase, config: c, input, upstream, budget: c.budgets }));
    if (rng.chance(0.02)) {
      yield* withFaults(emit('budget.exhausted', '_', { scope: 'phase', phase: c.phase, dimension: 'usd', limit: 0.9, used: 0.93 }));
      yield* withFaults(emit('run.paused', '_', { reason: 'budget exhausted' }));
      yield* withFaults(emit('budget.extended', '_', { add: { tokens: 0, usd: 2, toolMinutes: 0, wallclockMinutes: 0 }, newLimit: { ...budget, usd: budget.usd + 2 } }));
      yield* withFaults(emit('run.resumed', '_', { reason: 'budget extended' }));
    }
    let attemptsNeeded = rng.chance(0.15) ? 2 : 1;
    for (let gateAttempt = 1; gateAttempt <= attemptsNeeded; gateAttempt++) {
      let done = 0;
      for (const agent of c.agents) {
        const taskId = `t-${rng.hex(24)}`;
        const sched = { taskId, phase: c.phase, agent, attempt: 1, idempotenceKey: rng.hex(64), pool: 'default', budget: { tokens: 6000, usd: 0.18, toolMinutes: 2, wallclockMinutes: 9 }, gateAttempt, shard: 0, iteration: 0 };
        yield* withFaults(emit('task.scheduled', taskId, sched));
        let attempt = 1;
        for (;;) {
          const refBase = { taskId, phase: c.phase, agent, attempt };
          yield* withFaults(emit('task.claimed', taskId, { ...refBase, workerId: `worker-${rng.int(1, 4)}`, leaseMs: 30000, resumedFromStep: 0 }));
          for (let s = 1, n = rng.int(0, 3); s <= n; s++) yield* withFaults(emit('task.checkpointed', taskId, { ...refBase, step: s }));
          if (rng.chance(0.04)) yield* withFaults(emit('task.stalled', taskId, { ...refBase, lastHeartbeatAt: new Date(tick()).toISOString() }));
          if (attempt < 3 && rng.chance(0.08)) {
            const errorClass = rng.pick(['transient', 'rate_limit', 'timeout'] as const);
            yield* withFaults(emit('task.failed', taskId, { ...refBase, errorClass, retryable: true, message: `${errorClass}: ${rng.words(rng.int(5, 80))}` }));
            const dueAt = new Date(tick() + 2000).toISOString();
            const timerId = `retry-${taskId}-${attempt + 1}`;
            yield* withFaults(emit('task.retry_scheduled', taskId, { ...refBase, nextAttempt: attempt + 1, dueAt, errorClass }));
            yield* withFaults(emit('timer.scheduled', timerId, { timerId, dueAt, purpose: `retry ${taskId} (attempt ${attempt + 1})`, action: { kind: 'retry-task', phase: c.phase, taskId, attempt: attempt + 1 } }));
            if (rng.chance(0.2)) yield* withFaults(emit('task.fallback', taskId, { ...refBase, from: 'anthropic', to: 'openai-compatible' }));
            yield* withFaults(emit('timer.fired', timerId, { timerId, firedAt: dueAt, action: { kind: 'retry-task', phase: c.phase, taskId, attempt: attempt + 1 } }));
            attempt++;
            continue;
          }
          if (rng.chance(0.01)) {
            yield* withFaults(emit('task.failed', taskId, { ...refBase, errorClass: 'fatal', retryable: false, message: `fatal: ${rng.words(30)}` }));
            yield* withFaults(emit('task.quarantined', taskId, { ...refBase, reason: `not retryable: fatal: ${rng.words(10)}` }));
            break;
          }
          if (rng.chance(0.03)) yield* withFaults(emit('task.chunked', taskId, { ...refBase, chunks: rng.int(2, 6) }));
          const result = ref(`task-result:${agent}`);
          yield* withFaults(emit('artifact.stored', taskId, { ...refBase, artifact: result }));
          yield* withFaults(emit('task.succeeded', taskId, { ...refBase, result, usage: usage(), replayed: rng.chance(0.05) }));
          break;
        }
        done++;
        yield* withFaults(emit('phase.progress', c.phase, { phase: c.phase, done, total: c.agents.length }));
      }
      if (['critique', 'prd', 'architecture'].includes(c.phase) && rng.chance(0.7)) {
        const bindings = Array.from({ length: rng.int(1, 4) }, () => ({ question: `What about ${rng.words(rng.int(3, 9))}?`, answer: rng.words(rng.int(10, 40)), evidence: [rng.hex(64)] }));
        yield* withFaults(emit('kmap.delta', c.phase, { phase: c.phase, taskId: `t-${rng.hex(24)}`, bindings }));
      }
      const evidencePack = ref('evidence-pack', rng.int(2000, 60000));
      yield* withFaults(emit('phase.aggregated', c.phase, { phase: c.phase, gateAttempt, evidencePack, taskCount: c.agents.length, usage: usage() }));
      const passed = gateAttempt === attemptsNeeded;
      const score = passed ? 0.7 + rng.next() * 0.3 : rng.next() * 0.69;
      const guards = c.guards.map((g) => ({ type: g.type, passed: passed || rng.chance(0.5), score: Math.round(rng.next() * 1000) / 1000, detail: rng.words(rng.int(4, 20)) }));
      yield* withFaults(emit('gate.evaluated', c.phase, { phase: c.phase, gateAttempt, score, passThreshold: 0.7, guards }));
      if (passed) {
        const waived = rng.chance(0.03);
        if (waived) yield* withFaults(emit('waiver.granted', c.phase, { phase: c.phase, guard: 'grounding', reason: rng.words(8), expiresAt: new Date(tick() + 86400000).toISOString(), grantedBy: 'ops' }));
        yield* withFaults(emit('gate.passed', c.phase, { phase: c.phase, gateAttempt, score, evidencePack, waived }));
        if (waived && rng.chance(0.5)) {
          if (rng.chance(0.5)) yield* withFaults(emit('waiver.revoked', c.phase, { phase: c.phase, guard: 'grounding', reason: 'done' }));
          else yield* withFaults(emit('waiver.expired', c.phase, { phase: c.phase, guard: 'grounding' }));
        }
        yield* withFaults(emit('phase.completed', c.phase, { phase: c.phase, evidencePack, score, attempts: gateAttempt }));
        upstream = [...upstream.slice(-2), { phase: c.phase, evidencePack }];
      } else {
        const reasons = [`coverage below ${rng.int(3, 5)} stories`, `grounding ${score.toFixed(2)} < 0.85`];
        const final = rng.chance(0.05);
        yield* withFaults(emit('gate.failed', c.phase, { phase: c.phase, gateAttempt, score, reasons, final }));
        if (final) {
          yield* withFaults(emit('phase.failed', c.phase, { phase: c.phase, reason: reasons.join('; ') }));
          yield* withFaults(emit('run.failed', '_', { reason: `phase ${c.phase} failed its gate`, phase: c.phase }));
          failedRun = true;
          attemptsNeeded = gateAttempt;
          break;
        }
        const strategy = rng.pick(['rerun-qav', 'add-missing-agents', 'stricter-validation']);
        yield* withFaults(emit('autofix.requested', c.phase, { phase: c.phase, gateAttempt, strategy, reasons }));
        yield* withFaults(emit('autofix.started', c.phase, { phase: c.phase, strategy, gateAttempt: gateAttempt + 1 }));
      }
    }
    if (failedRun) break;
    if (rng.chance(0.01)) yield* withFaults(emit('breaker.opened', 'breakers', { breaker: 'anthropic', failures: rng.int(5, 20) }));
    if (rng.chance(0.01)) yield* withFaults(emit('breaker.closed', 'breakers', { breaker: 'anthropic' }));
    if (rng.chance(0.005)) yield* withFaults(emit('run.escalated', 'escalations', { reason: rng.words(8), phase: c.phase }));
  }
  if (!failedRun) {
    if (rng.chance(0.02)) {
      yield* withFaults(emit('run.cancelled', '_', { reason: 'cancelled by ops' }));
      return;
    }
    const total = { tokens: rng.int(10000, 90000), usd: Math.round(rng.next() * 4 * 1e6) / 1e6, toolMinutes: 0, wallclockMs: rng.int(60000, 3600000) };
    yield* withFaults(emit('run.completed', '_', { phases: configs.map((c) => c.phase), usage: total }));
    const json = ref('dossier.json', rng.int(20000, 60000));
    yield* withFaults(emit('dossier.compiled', '_', { version: '1.0.0', signature: rng.hex(64), completeness: rng.int(70, 100), missing: rng.chance(0.5) ? [] : ['sbom'], json, html: ref('dossier.html'), pdf: ref('dossier.pdf'), causeId: uuidv7(tick(), rng.bytes(10)) }));
  }
}

/** The messages as a stream would hold them (sequences from `firstSeq`), for tests without NATS. */
export function asStream(messages: GeneratedMessage[], firstSeq = 1): StreamMessage[] {
  return messages.map((m, i) => ({ seq: firstSeq + i, subject: m.subject, data: m.data, msgId: m.msgId }));
}

/** Publishes to JetStream with many publishes in flight, in order of acknowledgement = order given. */
export async function publishMessages(js: JetStreamClient, messages: Iterable<GeneratedMessage>, inFlight = 256, onAck?: (n: number) => void): Promise<number> {
  let n = 0;
  let window: Promise<unknown>[] = [];
  for (const m of messages) {
    const h = natsHeaders();
    h.set(HEADERS.eventType, m.type);
    h.set(HEADERS.runId, m.runId);
    // Published in windows and awaited together: order within the stream is the order of publishes
    // on one connection, which is the order given.
    window.push(js.publish(m.subject, m.data, { msgID: m.msgId, headers: h }));
    n++;
    if (window.length >= inFlight) {
      await Promise.all(window);
      window = [];
      onAck?.(n);
    }
  }
  await Promise.all(window);
  onAck?.(n);
  return n;
}

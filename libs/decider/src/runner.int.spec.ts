/**
 * The decider runtime against a real nats-server: half-published decisions completed exactly once
 * past the duplicate window, two replicas sharing partitions, a replica dying and another taking its
 * runs over, and the state rebuilt from the stream when every snapshot is gone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, headers as natsHeaders, NatsConnection } from 'nats';
import {
  AnyEventEnvelope, BUCKETS, decodeMessage, deriveEventId, EventEnvelope, HEADERS, newEvent, STREAMS, subjects, uuidv7,
} from '@ideamine/contracts';
import { phaseConfig } from '@ideamine/contracts/testing';
import { plannerDecider, RunState } from '@ideamine/deciders';
import { NatsServerHandle, startNatsServer } from '@ideamine/devstack';
import { loadJetStreamSpec, NatsResources, provisionJetStream, publishEnvelope, readStream } from '@ideamine/jetstream';
import { createLogger } from '@ideamine/telemetry';
import { DeciderRunner, DeciderRunnerOptions } from './runner';
import { newSlot, planDecision } from './run-slot';
import { fact } from './testing';

const SPEC = join(__dirname, '..', '..', '..', 'deploy', 'nats', 'jetstream.yaml');
const LEASE_TTL_MS = 1500;
const phases = [phaseConfig('intake'), phaseConfig('prd', { dependsOn: ['intake'] })];
const producer = { service: 'intake', version: '0', instance: 'spec' };

let server: NatsServerHandle;
let dir: string;
const conns: NatsConnection[] = [];

async function resources(): Promise<NatsResources> {
  const nc = await connect({ servers: server.url });
  conns.push(nc);
  return { nc, js: nc.jetstream(), jsm: await nc.jetstreamManager(), logger: createLogger('spec', process.env.SPEC_LOG_LEVEL ?? 'silent') };
}

const options = (instance: string): DeciderRunnerOptions => ({
  instance, partitions: 8, leaseTtlMs: LEASE_TTL_MS, snapshotIntervalMs: 300, producer: { service: 'planner', version: '0', instance }, workerPool: 'default', validatePublished: true,
});

/** What the planner's intake publishes for a submit. */
async function request(nats: NatsResources, runId = uuidv7()): Promise<string> {
  const id = uuidv7();
  const envelope = {
    id, type: 'run.requested', schemaVersion: 1, runId, aggregateId: '_', occurredAt: new Date().toISOString(), producer, causationId: null, correlationId: id,
    payload: { input: { idea: 'A tool library for a street', targetUsers: [], constraints: [] }, budget: { tokens: 1000, usd: 1, toolMinutes: 1, wallclockMinutes: 10 }, configSet: 'default', phases },
  } as EventEnvelope<'run.requested'>;
  await publishEnvelope(nats.js, 'evt', subjects.event(runId, 'run'), envelope, { expectLastSubjectSequence: 0 });
  return runId;
}

async function runLog(nats: NatsResources, runId: string): Promise<{ seq: number; event: AnyEventEnvelope; decision?: string }[]> {
  const out = [];
  for await (const m of readStream(nats.js, STREAMS.events, { filterSubject: subjects.runEvents(runId) })) {
    let event: AnyEventEnvelope;
    try {
      event = decodeMessage('evt', m.data) as AnyEventEnvelope;
    } catch {
      continue; // the malformed message a test put there on purpose
    }
    out.push({ seq: m.seq, event, decision: m.headers?.get(HEADERS.decision) || undefined });
  }
  return out;
}

const typesOf = (log: { event: AnyEventEnvelope }[]) => log.map((m) => m.event.type);

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const PLANNED = ['run.requested', 'run.planned', 'run.started', 'phase.started'];
const hasPlanned = (nats: NatsResources, runId: string) => async () => {
  const log = await runLog(nats, runId);
  return typesOf(log).length >= PLANNED.length ? log : undefined;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ideamine-decider-'));
  server = await startNatsServer({ dir });
  const nats = await resources();
  // A one-second duplicate window: "past the window" costs a second here, not two minutes.
  const spec = loadJetStreamSpec(SPEC);
  spec.streams = spec.streams.map((s) => (s.name === STREAMS.events ? { ...s, duplicate_window: '1s' } : s));
  spec.kv = spec.kv.map((b) => (b.bucket === BUCKETS.leases ? { ...b, ttl: `${LEASE_TTL_MS}ms` } : b));
  await provisionJetStream(nats.jsm, nats.js, spec);
}, 30_000);

afterAll(async () => {
  await Promise.all(conns.map((nc) => nc.close().catch(() => undefined)));
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('decider runner on a real nats-server', () => {
  it('decides a run from its log: one decision, its events in order, each once', async () => {
    const nats = await resources();
    const runner = new DeciderRunner(plannerDecider, nats, options('solo'), nats.logger);
    await runner.start();
    try {
      const runId = await request(nats);
      const log = await until('the run to be planned', hasPlanned(nats, runId));
      expect(typesOf(log)).toEqual(PLANNED);
      expect(log.slice(1).map((m) => m.decision)).toEqual(['1.0', '1.1', '1.2']);
      expect((runner.stateOf(runId) as RunState).status).toBe('running');
    } finally {
      await runner.stop();
    }
  });

  it('completes a half-published decision exactly once, long after the duplicate window', async () => {
    const nats = await resources();
    const runId = await request(nats);
    const [requested] = await runLog(nats, runId);
    // What a planner that crashed after its first publish left behind: run.planned alone.
    const decision = plannerDecider.decide(plannerDecider.evolve(plannerDecider.initialState(runId), { event: requested.event, seq: requested.seq, subject: subjects.event(runId, 'run') }), { event: requested.event, seq: requested.seq, subject: subjects.event(runId, 'run') }, undefined);
    const plan = planDecision(plannerDecider, newSlot(plannerDecider, runId), { event: requested.event, seq: requested.seq, subject: subjects.event(runId, 'run') }, decision, options('x').producer);
    const first = plan.events[0];
    const h = natsHeaders();
    h.set(HEADERS.eventType, first.envelope.type);
    h.set(HEADERS.decision, first.decision);
    await nats.js.publish(first.subject, Buffer.from(JSON.stringify(first.envelope)), { msgID: first.envelope.id, headers: h });
    await new Promise((r) => setTimeout(r, 1500)); // past the 1 s duplicate window
    const runner = new DeciderRunner(plannerDecider, nats, options('successor'), nats.logger);
    await runner.start();
    try {
      const log = await until('the decision to be completed', hasPlanned(nats, runId));
      await new Promise((r) => setTimeout(r, 500));
      expect(typesOf(await runLog(nats, runId))).toEqual(PLANNED);
      expect(log[1].event.id).toBe(first.envelope.id);
    } finally {
      await runner.stop();
    }
  });

  it('two replicas split the partitions; when one dies its runs move to the other and nothing is decided twice', async () => {
    const a = await resources();
    const b = await resources();
    const ra = new DeciderRunner(plannerDecider, a, options('replica-a'), a.logger);
    const rb = new DeciderRunner(plannerDecider, b, options('replica-b'), b.logger);
    await ra.start();
    try {
      // B joins while A is deciding a burst: half the partitions move with inputs still queued.
      const runs = await Promise.all(Array.from({ length: 40 }, () => request(a)));
      await rb.start();
      await until('both replicas to hold partitions', async () => ra.ownedPartitions.length > 0 && rb.ownedPartitions.length > 0 && ra.ownedPartitions.length + rb.ownedPartitions.length === 8);
      expect(ra.ownedPartitions.filter((p) => rb.ownedPartitions.includes(p))).toEqual([]);
      for (const r of runs) await until(`run ${r} planned`, hasPlanned(a, r));
      for (const r of runs) expect(typesOf(await runLog(a, r))).toEqual(PLANNED);
      // Replica A dies without a word: its connection drops, its leases are not released.
      await a.nc.close();
      await until('replica B to take every partition', async () => rb.ownedPartitions.length === 8, 10_000);
      // Every run now gets a command only B can decide; each is decided once.
      for (const r of runs) {
        const id = uuidv7();
        await publishEnvelope(b.js, 'evt', subjects.event(r, 'cmd', 'planner'), {
          id, type: 'command.received', schemaVersion: 1, runId: r, aggregateId: 'planner', occurredAt: new Date().toISOString(), producer, causationId: null, correlationId: id,
          payload: { command: 'pause-run', payload: { reason: 'ops', requestedBy: 'spec' } },
        } as EventEnvelope<'command.received'>);
      }
      for (const r of runs) await until(`run ${r} paused`, async () => typesOf(await runLog(b, r)).includes('run.paused'));
      await new Promise((res) => setTimeout(res, 500));
      for (const r of runs) expect(typesOf(await runLog(b, r))).toEqual([...PLANNED, 'command.received', 'run.paused']);
    } finally {
      await ra.stop().catch(() => undefined);
      await rb.stop();
    }
  }, 60_000);

  it('rebuilds its state from the stream when every snapshot is gone, and decides nothing again', async () => {
    const nats = await resources();
    const first = new DeciderRunner(plannerDecider, nats, options('rebuild-1'), nats.logger);
    await first.start();
    const runId = await request(nats);
    await until('the run to be planned', hasPlanned(nats, runId));
    const before = first.stateOf(runId);
    await first.stop();
    await nats.jsm.streams.delete(`KV_${BUCKETS.deciderState}`);
    const second = new DeciderRunner(plannerDecider, nats, options('rebuild-2'), nats.logger);
    await second.start();
    try {
      await until('the state to be rebuilt', async () => second.stateOf(runId) !== undefined && (second.stateOf(runId) as RunState).status === 'running');
      expect(second.stateOf(runId)).toEqual(before);
      await new Promise((r) => setTimeout(r, 500));
      expect(typesOf(await runLog(nats, runId))).toEqual(PLANNED);
    } finally {
      await second.stop();
    }
  });

  it('ignores inputs that do not apply and keeps deciding the ones that do', async () => {
    const nats = await resources();
    const runner = new DeciderRunner(plannerDecider, nats, options('robust'), nats.logger);
    await runner.start();
    try {
      const ghost = uuidv7();
      const gate = fact(newEvent('gate.passed', 'intake', { phase: 'intake', gateAttempt: 1, score: 1, evidencePack: { bucket: 'im-artifacts', name: 'a'.repeat(64), sha256: 'a'.repeat(64), size: 1, contentType: 'application/json', kind: 'evidence-pack' }, waived: false }), { runId: ghost, id: deriveEventId(uuidv7(), 'ghost') });
      await publishEnvelope(nats.js, 'evt', gate.subject, gate.event);
      const h = natsHeaders();
      h.set(HEADERS.eventType, 'gate.passed');
      await nats.js.publish(subjects.event(ghost, 'gate', 'bad'), Buffer.from('{not json'), { headers: h });
      const runId = await request(nats);
      await until('a valid run after the bad input to be planned', hasPlanned(nats, runId));
      expect(typesOf(await runLog(nats, ghost))).toEqual(['gate.passed']);
    } finally {
      await runner.stop();
    }
  });
});

/**
 * The execution core under load and faults, every service a real process (issue 6's checks):
 * 50 runs of the sample idea at once plus one run whose phase has 32 shards, on two replicas of
 * every decider; then every decider state bucket deleted mid-run; then deciders SIGKILLed at seeded
 * random moments. After each: every run completed, no idempotence key paid twice, one
 * phase.aggregated per gate attempt, and each run's evidence packs and usage equal to the same
 * idea run alone.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { connect, NatsConnection } from 'nats';
import { AnyEventEnvelope, BUCKETS, decodeMessage, STREAMS } from '@ideamine/contracts';
import { readStream } from '@ideamine/jetstream';
import { RunningServices, ServiceId, startServices } from '@ideamine/devstack';
import { useTestInfra } from '../harness';
import { API_KEY, auth, waitForRun } from './e2e-helpers';

const SAMPLE = {
  idea: 'A neighbourhood tool-sharing app that lets residents list tools they own, book tools from neighbours for a few days, and rate each exchange so trust builds over time.',
  targetUsers: ['Homeowners who own rarely used tools', 'Renters who need a tool for a weekend project'],
  constraints: ['Launch in one city first', 'No payments in the first release'],
};
const DECIDERS: ServiceId[] = ['planner', 'scheduler', 'gatekeeper', 'supervisor', 'dossier'];
const run = promisify(execFile);

interface RunFacts {
  packs: Record<string, string>;
  tokens: number;
  usd: number;
  paidTwice: string[];
  aggregatedTwice: string[];
}

/** Reads the whole stream once and derives, per run, what the checks need. */
async function factsOf(nc: NatsConnection, runIds: string[]): Promise<Record<string, RunFacts>> {
  const wanted = new Set(runIds);
  const keyOf = new Map<string, string>();
  const paid = new Map<string, number>();
  const aggregated = new Map<string, number>();
  const out: Record<string, RunFacts> = Object.fromEntries(runIds.map((r) => [r, { packs: {}, tokens: -1, usd: -1, paidTwice: [], aggregatedTwice: [] }]));
  const events: AnyEventEnvelope[] = [];
  for await (const m of readStream(nc.jetstream(), STREAMS.events)) {
    try {
      const e = decodeMessage('evt', m.data) as AnyEventEnvelope;
      if (wanted.has(e.runId)) events.push(e);
    } catch {
      /* not an event of these runs */
    }
  }
  for (const e of events) if (e.type === 'task.scheduled') keyOf.set(`${e.runId}/${e.payload.taskId}`, e.payload.idempotenceKey);
  for (const e of events) {
    const f = out[e.runId];
    if (e.type === 'task.succeeded' && !e.payload.replayed) {
      const k = `${e.runId}/${keyOf.get(`${e.runId}/${e.payload.taskId}`)}`;
      paid.set(k, (paid.get(k) ?? 0) + 1);
      if (paid.get(k) === 2) f.paidTwice.push(e.payload.taskId);
    }
    if (e.type === 'phase.aggregated') {
      const k = `${e.runId}/${e.payload.phase}#${e.payload.gateAttempt}`;
      aggregated.set(k, (aggregated.get(k) ?? 0) + 1);
      if (aggregated.get(k) === 2) f.aggregatedTwice.push(k);
      f.packs[`${e.payload.phase}#${e.payload.gateAttempt}`] = e.payload.evidencePack.sha256;
    }
    if (e.type === 'run.completed') {
      f.tokens = e.payload.usage.tokens;
      f.usd = e.payload.usage.usd;
    }
  }
  return out;
}

describe('execution core: load, replicas, lost state and killed deciders', () => {
  const infra = useTestInfra();
  let services: RunningServices;
  let api: string;
  let nc: NatsConnection;
  let baseline: RunFacts;
  const timings: Record<string, number> = {};

  const submit = async (body: object) => (await request(api).post('/v1/runs').set(auth).send(body).expect(202)).body.runId as string;
  const expectLikeBaseline = (facts: Record<string, RunFacts>, runIds: string[]) => {
    for (const r of runIds) {
      const f = facts[r];
      expect({ r, paidTwice: f.paidTwice, aggregatedTwice: f.aggregatedTwice }).toEqual({ r, paidTwice: [], aggregatedTwice: [] });
      expect({ r, packs: f.packs, tokens: f.tokens, usd: f.usd }).toEqual({ r, packs: baseline.packs, tokens: baseline.tokens, usd: baseline.usd });
    }
  };

  beforeAll(async () => {
    const phasesDir = join(infra().tmpDir, 'config', 'phases');
    cpSync(join(__dirname, '..', '..', 'config', 'phases'), phasesDir, { recursive: true });
    const wide = join(infra().tmpDir, 'config', 'phases-wide');
    mkdirSync(wide);
    writeFileSync(join(wide, 'wide.yaml'), [
      'phase: wide', 'dependsOn: []', 'parallelism: parallel', 'aggregation: concat', 'agents: [NoopAgent]', 'shards: 32',
      'budgets: { tokens: 1000, usd: 0, toolMinutes: 1, wallclockMinutes: 10 }', 'guards: []', 'gate: { passThreshold: 0, autoFix: false, maxAttempts: 1 }', 'estimatedMinutes: 1', '',
    ].join('\n'));
    services = await startServices({
      natsUrl: infra().natsUrl, databaseUrl: infra().databaseUrl, apiKeys: API_KEY, logDir: join(infra().tmpDir, 'logs'),
      env: { IM_PHASES_DIR: phasesDir, LOG_LEVEL: 'info', IM_WORKER_CONCURRENCY: '8', IM_SNAPSHOT_INTERVAL_MS: '500' },
    });
    api = services.apiUrl;
    nc = await connect({ servers: infra().natsUrl });
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await services?.stop();
    console.log(`execution-core wall times (s): ${JSON.stringify(timings)}`);
  }, 30_000);

  it('runs the sample idea alone; `ideamine state` folds every decider from the stream to what the run did', async () => {
    const runId = await submit(SAMPLE);
    await waitForRun(api, runId, ['completed'], 300_000);
    baseline = (await factsOf(nc, [runId]))[runId];
    expect(Object.keys(baseline.packs).length).toBeGreaterThanOrEqual(13);
    expect(baseline.tokens).toBeGreaterThan(0);
    const { stdout } = await run(process.execPath, [join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js'), 'state', runId], { env: { ...process.env, NATS_URL: infra().natsUrl } });
    const state = JSON.parse(stdout);
    expect(state.planner.state.status).toBe('completed');
    expect(state.planner.state.usage.tokens).toBe(baseline.tokens);
    for (const d of ['planner', 'scheduler', 'gatekeeper', 'supervisor', 'dossier']) expect({ d, missing: state[d].missing }).toEqual({ d, missing: [] });
    expect(Object.values(state.scheduler.state.phases as Record<string, { status: string }>).every((p) => p.status === 'aggregated')).toBe(true);
    expect(state.dossier.state.compiled).toHaveLength(1);
  }, 320_000);

  it('two replicas of every decider: 50 sample runs and a 32-shard run at once all complete, each like the run alone', async () => {
    for (const d of [...DECIDERS, 'worker' as const]) await services.start(d, 1);
    const t0 = Date.now();
    const [wide, ...runIds] = await Promise.all([submit({ idea: 'A wide fan-out of no-op shards', configSet: 'wide' }), ...Array.from({ length: 50 }, () => submit(SAMPLE))]);
    await Promise.all([wide, ...runIds].map((id) => waitForRun(api, id, ['completed'], 600_000)));
    timings.fiftyRunsAndWide = (Date.now() - t0) / 1000;
    const facts = await factsOf(nc, [wide, ...runIds]);
    expectLikeBaseline(facts, runIds);
    expect(Object.keys(facts[wide].packs)).toEqual(['wide#1']);
    const wideTasks = (await request(api).get(`/v1/runs/${wide}/tasks`).set(auth).expect(200)).body.tasks;
    expect(wideTasks).toHaveLength(32);
  }, 660_000);

  it('loses every decider state bucket mid-run, restarts the deciders, and ends with the same packs and usage', async () => {
    const runIds = await Promise.all(Array.from({ length: 8 }, () => submit(SAMPLE)));
    await new Promise((r) => setTimeout(r, 1500));
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`KV_${BUCKETS.deciderState}`);
    for (const d of DECIDERS) for (const i of [0, 1]) await services.kill(d, i);
    for (const d of DECIDERS) for (const i of [0, 1]) await services.start(d, i);
    await Promise.all(runIds.map((id) => waitForRun(api, id, ['completed'], 300_000)));
    expectLikeBaseline(await factsOf(nc, runIds), runIds);
  }, 400_000);

  it('SIGKILLs deciders at seeded random moments; every run completes like the run alone', async () => {
    const seed = Number(process.env.IM_CHAOS_SEED ?? Date.now() % 100_000);
    console.log(`decider kill schedule seed: ${seed} (IM_CHAOS_SEED=${seed} reproduces it)`);
    let x = seed;
    const random = () => ((x = (x * 48271) % 2147483647) / 2147483647);
    const runIds = await Promise.all(Array.from({ length: 10 }, () => submit(SAMPLE)));
    const kills: string[] = [];
    for (let k = 0; k < 6; k++) {
      await new Promise((r) => setTimeout(r, 300 + random() * 1500));
      const d = DECIDERS[Math.floor(random() * DECIDERS.length)];
      const i = random() < 0.5 ? 0 : 1;
      await services.kill(d, i);
      kills.push(`${d}#${i}`);
      await services.start(d, i);
    }
    console.log(`killed: ${kills.join(' ')}`);
    await Promise.all(runIds.map((id) => waitForRun(api, id, ['completed'], 300_000)));
    expectLikeBaseline(await factsOf(nc, runIds), runIds);
    for (const svc of services.instances) expect({ svc: `${svc.service}#${svc.index}`, exit: svc.child.exitCode }).toEqual({ svc: `${svc.service}#${svc.index}`, exit: null });
  }, 400_000);
});

/**
 * npm run bench:pipeline -- [--tasks 300] [--concurrency 8]
 *
 * Pushes N no-op tasks through scheduler -> worker -> results -> scheduler fan-in -> projector (each
 * service its own process) and reports tasks/s and p50/p99 latency, next to a raw JetStream
 * work-queue round trip (publish -> pull consumer -> ack + reply publish) measured in the same run
 * on the same server. The ratio is the figure: what the orchestration costs over bare JetStream.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, connect, JetStreamClient, NatsConnection, RetentionPolicy, StringCodec } from 'nats';
import { envelopeEvent, newEvent, PhaseConfig, STREAMS, uuidv7 } from '@ideamine/contracts';
import { publishEnvelope } from '@ideamine/jetstream';
import { createDataSource } from '@ideamine/persistence';
import { startLocalStack, startServices } from '@ideamine/devstack';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('--tasks', 300);
const CONCURRENCY = arg('--concurrency', 8);
const sc = StringCodec();
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (label: string, wallMs: number, lat: number[]) =>
  `${label.padEnd(34)} ${(N / (wallMs / 1000)).toFixed(1).padStart(8)} tasks/s   p50 ${pct(lat, 50).toFixed(1).padStart(7)} ms   p99 ${pct(lat, 99).toFixed(1).padStart(7)} ms`;

/** Baseline: the same shape of work on bare JetStream, no envelopes, no state, no projector. */
async function rawWorkQueue(nc: NatsConnection, js: JetStreamClient): Promise<{ wallMs: number; lat: number[] }> {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: 'BENCH_WQ', subjects: ['bench.wq'], retention: RetentionPolicy.Workqueue });
  await jsm.streams.add({ name: 'BENCH_DONE', subjects: ['bench.done.*'] });
  await jsm.consumers.add('BENCH_WQ', { durable_name: 'w', ack_policy: AckPolicy.Explicit });
  const sent = new Map<string, number>();
  const lat: number[] = [];
  const done = new Promise<void>((resolve) => {
    const sub = nc.subscribe('bench.done.*');
    void (async () => {
      for await (const m of sub) {
        const id = m.subject.split('.')[2];
        lat.push(performance.now() - sent.get(id)!);
        if (lat.length === N) {
          sub.unsubscribe();
          resolve();
        }
      }
    })();
  });
  const worker = await (await js.consumers.get('BENCH_WQ', 'w')).consume({ max_messages: CONCURRENCY * 2 });
  void (async () => {
    for await (const m of worker) {
      await js.publish(`bench.done.${sc.decode(m.data)}`, m.data);
      m.ack();
    }
  })();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const id = `t${i}`;
    sent.set(id, performance.now());
    await js.publish('bench.wq', sc.encode(id));
  }
  await done;
  const wallMs = performance.now() - t0;
  await worker.close();
  await jsm.streams.delete('BENCH_WQ');
  await jsm.streams.delete('BENCH_DONE');
  return { wallMs, lat };
}

async function pipeline(nc: NatsConnection, js: JetStreamClient, databaseUrl: string): Promise<{ wallMs: number; lat: number[]; projectedMs: number }> {
  const config: PhaseConfig = {
    phase: 'bench', dependsOn: [], parallelism: 'parallel', aggregation: 'merge', agents: ['NoopAgent'],
    budgets: { tokens: 1000, usd: 0, toolMinutes: 1, wallclockMinutes: 10 }, guards: [], gate: { passThreshold: 0, autoFix: false, maxAttempts: 1 }, estimatedMinutes: 1,
  };
  const producer = { service: 'bench', version: '0', instance: 'bench' };
  const sent = new Map<string, number>();
  const lat: number[] = [];
  const done = new Promise<void>((resolve) => {
    const sub = nc.subscribe('im.live.evt.*.sched.bench');
    void (async () => {
      for await (const m of sub) {
        if (m.headers?.get('Im-Event-Type') !== 'phase.aggregated') continue;
        const runId = m.subject.split('.')[3];
        const start = sent.get(runId);
        if (start === undefined) continue;
        lat.push(performance.now() - start);
        sent.delete(runId);
        if (lat.length === N) {
          sub.unsubscribe();
          resolve();
        }
      }
    })();
  });
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const runId = uuidv7();
    const cause = uuidv7();
    const { subject, envelope } = envelopeEvent(newEvent('phase.started', 'bench', { phase: 'bench', config, input: { idea: `bench task ${i}`, targetUsers: [], constraints: [] }, upstream: [], budget: config.budgets }), { id: cause, correlationId: cause, runId }, producer, 0);
    sent.set(runId, performance.now());
    await publishEnvelope(js, 'evt', subject, envelope);
  }
  await done;
  const wallMs = performance.now() - t0;
  // Until the projector has stored everything the pipeline produced.
  const jsm = await nc.jetstreamManager();
  const tip = (await jsm.streams.info(STREAMS.events)).state.last_seq;
  const ds = await createDataSource(databaseUrl).initialize();
  while (Number((await ds.query('SELECT last_seq FROM rm.checkpoint'))[0].last_seq) < tip) await new Promise((r) => setTimeout(r, 20));
  const projectedMs = performance.now() - t0;
  await ds.destroy();
  return { wallMs, lat, projectedMs };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ideamine-bench-'));
  chmodSync(dir, 0o755); // postgres runs as its own user when we are root
  const stack = await startLocalStack({ baseDir: dir, fsync: false });
  const root = join(__dirname, '..', '..');
  const services = await startServices({
    natsUrl: stack.natsUrl, databaseUrl: stack.databaseUrl, apiKeys: 'bench', logDir: join(dir, 'logs'), root,
    services: ['ledger-projector', 'scheduler', 'worker', 'gatekeeper', 'supervisor'],
    env: { LOG_LEVEL: 'warn', IM_WORKER_CONCURRENCY: String(CONCURRENCY) },
  });
  const nc = await connect({ servers: stack.natsUrl });
  const js = nc.jetstream();
  try {
    console.log(`IdeaMine pipeline benchmark: ${N} no-op tasks, worker concurrency ${CONCURRENCY}, nats-server at ${stack.natsUrl}\n`);
    const raw = await rawWorkQueue(nc, js);
    console.log(fmt('raw JetStream work-queue round trip', raw.wallMs, raw.lat));
    const p = await pipeline(nc, js, stack.databaseUrl);
    console.log(fmt('scheduler -> worker -> fan-in', p.wallMs, p.lat));
    console.log(`${'... and projected to Postgres'.padEnd(34)} ${(N / (p.projectedMs / 1000)).toFixed(1).padStart(8)} tasks/s`);
    console.log(`\nratio (pipeline / raw): throughput ${(N / p.wallMs / (N / raw.wallMs)).toFixed(3)}, p50 latency x${(pct(p.lat, 50) / pct(raw.lat, 50)).toFixed(1)}`);
  } finally {
    await nc.close();
    await services.stop();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});

/**
 * npm run bench:pipeline -- [--tasks 3000] [--only a,b,c,low] [--help]
 *
 * Measures the pipeline against a raw JetStream work-queue round trip in its fairest shape, in the
 * same run, on private servers, and prints one JSON summary as the last line. See bench/README.md
 * for what each figure means. Only bench/pipeline-driver.ts knows the pipeline's shape.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipelineDriver } from './pipeline-driver';
import { openRawSession } from './raw-baseline';
import { parseArgs } from './lib/args';
import type { BenchSession } from './lib/driver';
import { fmt, fmtRatio, formatBreakdown, formatTable } from './lib/report';
import { labelConnection, runScenario, type ScenarioResult, type ScenarioSpec } from './lib/scenario';
import { startNatsStack, startServiceStack, type BenchStack } from './lib/stack';
import { ratio, round } from './lib/stats';

const HELP = `npm run bench:pipeline -- [options]
  --tasks N               tasks in the one-phase scenario (a) (default 3000)
  --raw-tasks N           tasks in the raw burst (default 10000: the raw path is fast, a longer window is steadier)
  --shards N              shards of the one-run scenario (b) (default 32, the PhaseConfig maximum)
  --runs N                runs of scenario (c) (default 200)
  --run-shards N          shards per run in scenario (c) (default 4)
  --low-samples N         pipeline low-load samples, one task at a time (default 100)
  --raw-low-samples N     raw low-load samples (default 1000, at least 200: a raw round trip costs ~1 ms of CPU, ticks are 10 ms)
  --window N              submits outstanding at once in a burst (default 256)
  --worker-concurrency N  IM_WORKER_CONCURRENCY for the pipeline's worker (default 8)
  --timeout S             per-scenario deadline in seconds (default: scaled with the scenario's size)
  --stall S               fail a scenario when nothing completes and NATS is quiet this long (default 15; 0 = off)
  --only LIST             pipeline scenarios to run: a,b,c,low (default all); the raw baseline always runs
  --raw-after BOOL        measure the raw baseline again after the pipeline (default true)
  --keep-dir              keep the temp dir (server data and service logs) instead of deleting it`;

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(HELP);
  process.exit(0);
}
const args = parseArgs(argv, {
  tasks: 'number', 'raw-tasks': 'number', shards: 'number', runs: 'number', 'run-shards': 'number', 'low-samples': 'number', 'raw-low-samples': 'number',
  window: 'number', 'worker-concurrency': 'number', timeout: 'number', stall: 'number', only: 'string', 'raw-after': 'boolean', 'keep-dir': 'boolean',
});
const num = (k: string, d: number) => Math.floor((args[k] as number | undefined) ?? d);
const opts = {
  tasks: num('tasks', 3000),
  rawTasks: Math.max(3000, num('raw-tasks', 10_000)),
  shards: num('shards', 32),
  runs: num('runs', 200),
  runShards: num('run-shards', 4),
  lowSamples: num('low-samples', 100),
  rawLowSamples: Math.max(200, num('raw-low-samples', 1000)),
  window: Math.max(1, num('window', 256)),
  workerConcurrency: num('worker-concurrency', 8),
  timeoutS: args.timeout as number | undefined,
  stallMs: ((args.stall as number | undefined) ?? 15) * 1000,
  only: new Set(String(args.only ?? 'a,b,c,low').split(',').map((s) => s.trim()).filter(Boolean)),
  rawAfter: args['raw-after'] !== false,
  keepDir: args['keep-dir'] === true,
};
for (const s of opts.only) if (!['a', 'b', 'c', 'low'].includes(s)) throw new Error(`--only: unknown scenario "${s}" (a, b, c, low)`);

const root = join(__dirname, '..', '..');
const log = (line: string) => console.log(line);

/** Default deadline: generous for a working pipeline, bounded for a hung one (the stall check usually fires first). */
const timeoutFor = (tasks: number, mode: ScenarioSpec['mode'], perTaskMs: number) =>
  (opts.timeoutS ?? Math.max(mode === 'sequential' ? 60 : 30, Math.ceil((tasks * perTaskMs) / 1000))) * 1000;

function spec(id: string, title: string, jobs: number, tasksPerJob: number, mode: ScenarioSpec['mode'], perTaskMs: number): ScenarioSpec {
  return { id, title, jobs, tasksPerJob, mode, window: opts.window, timeoutMs: timeoutFor(jobs * tasksPerJob, mode, perTaskMs), stallMs: opts.stallMs, settleMaxMs: 30_000 };
}

interface Outcome {
  spec: ScenarioSpec;
  shape: string;
  result?: ScenarioResult;
  /** Set when the scenario could not even be set up. */
  error?: string;
}

/** Starts a stack, opens a session, runs the scenarios on it, and always tears everything down. */
async function onStack(name: string, start: () => Promise<BenchStack>, open: (s: BenchStack) => Promise<BenchSession>, specs: { spec: ScenarioSpec; shape: string }[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let stack: BenchStack | undefined;
  let session: BenchSession | undefined;
  try {
    const t = performance.now();
    stack = await start();
    session = await open(stack);
    log(`[${name}] stack ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    for (const { spec: sp, shape } of specs) {
      log(`[${name}] ${sp.id}: ${sp.title} (${sp.jobs} job${sp.jobs > 1 ? 's' : ''} x ${sp.tasksPerJob} task${sp.tasksPerJob > 1 ? 's' : ''}, ${shape}; timeout ${sp.timeoutMs / 1000} s)`);
      const result = await runScenario(sp, { session, monitor: stack.monitor, cpuTargets: stack.cpuTargets, connectionLabel: labelConnection(stack.processNames), log });
      log(`[${name}] ${sp.id}: ${result.complete ? 'done' : `FAILED: ${result.failure}`} - ${result.tasks} tasks, ${fmt(result.tasksPerSec)} tasks/s, ${fmt(result.cpuMsPerTask, 2)} CPU ms/task, ${fmt(result.natsInMsgsPerTask)} msgs/task`);
      outcomes.push({ spec: sp, shape, result });
    }
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    log(`[${name}] FAILED: ${message}`);
    for (const s of specs.slice(outcomes.length)) outcomes.push({ spec: s.spec, shape: s.shape, error: message });
  } finally {
    await session?.close().catch((err) => log(`[${name}] closing the session: ${(err as Error).message}`));
    await stack?.stop().catch((err) => log(`[${name}] stopping the stack: ${(err as Error).message}`));
  }
  return outcomes;
}

function rawRun(dir: string, label: string): Promise<Outcome[]> {
  return onStack(
    label,
    () => startNatsStack(dir),
    (s) => openRawSession({ nc: s.nc, js: s.js, natsUrl: s.natsUrl, dir, root }),
    [
      { spec: spec('rawSaturation', 'raw work-queue round trip, burst', opts.rawTasks, 1, 'burst', 5), shape: `pipelined, ${opts.window} publishes outstanding, 64 in flight at the worker` },
      { spec: spec('rawLowLoad', 'raw work-queue round trip, 1 in flight', opts.rawLowSamples, 1, 'sequential', 50), shape: 'sequential round trips' },
    ],
  );
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Mean of the raw figure over its repetitions (before and after the pipeline), ignoring missing ones. */
function meanOf(results: (ScenarioResult | undefined)[], pick: (r: ScenarioResult) => number | null): number | null {
  const xs = results.filter((r): r is ScenarioResult => r !== undefined && r.complete).map(pick).filter((x): x is number => x !== null && Number.isFinite(x));
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ideamine-bench-'));
  chmodSync(dir, 0o755); // postgres runs as its own user when we are root and must reach its data dir
  const load0 = loadavg()[0];
  const t0 = performance.now();
  // Every deadline below is bounded; this only catches a teardown that hangs.
  const shapeA = pipelineDriver.shape(opts.tasks);
  const shapeB = pipelineDriver.shape(opts.shards);
  const shapeC = pipelineDriver.shape(opts.runShards);
  const shapeLow = pipelineDriver.shape(1);
  const pipelineSpecs: { key: string; spec: ScenarioSpec; shape: string }[] = [
    { key: 'a', spec: spec('oneRunNTasks', `${shapeA.tasks} tasks in one phase of one run`, 1, shapeA.tasks, 'burst', 40), shape: shapeA.description },
    { key: 'b', spec: spec('oneRun32Shards', `1 run x a ${shapeB.tasks}-shard phase`, 1, shapeB.tasks, 'burst', 40), shape: shapeB.description },
    { key: 'c', spec: spec('runs200x4', `${opts.runs} runs x ${shapeC.tasks} shards, submitted at once`, opts.runs, shapeC.tasks, 'burst', 40), shape: shapeC.description },
    { key: 'low', spec: spec('lowLoad', 'low load: one 1-task run at a time', opts.lowSamples, shapeLow.tasks, 'sequential', 500), shape: shapeLow.description },
  ].filter((s) => opts.only.has(s.key));
  const budgetMs = [...pipelineSpecs.map((s) => s.spec.timeoutMs + 120_000), 4 * 60_000].reduce((a, b) => a + b, 0);
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${(budgetMs / 1000).toFixed(0)} s (the sum of every deadline): giving up; spawned processes are killed on exit`);
    process.exit(2);
  }, budgetMs);
  watchdog.unref();

  log(`IdeaMine pipeline benchmark${gitCommit() ? ` at ${gitCommit()}` : ''}: ${cpus().length} CPUs, load average ${load0.toFixed(2)}; worker concurrency ${opts.workerConcurrency}`);
  log(`Each scenario gets fresh private servers; per-task figures are deltas over its window (README: how to read them).\n`);

  const rawBefore = await rawRun(join(dir, 'raw-before'), 'raw');
  const largestJobTasks = Math.max(1, ...pipelineSpecs.map((s) => s.spec.tasksPerJob));
  const pipeline: Outcome[] = [];
  for (const s of pipelineSpecs) {
    const sdir = join(dir, s.spec.id);
    const out = await onStack(
      s.spec.id,
      () => startServiceStack(sdir, { root, services: pipelineDriver.services, env: pipelineDriver.serviceEnv({ workerConcurrency: opts.workerConcurrency, largestJobTasks, root }) }),
      (st) => pipelineDriver.open({ nc: st.nc, js: st.js, natsUrl: st.natsUrl, databaseUrl: st.databaseUrl, dir: sdir, root }),
      [{ spec: s.spec, shape: s.shape }],
    );
    pipeline.push(...out);
  }
  const rawAfter = opts.rawAfter ? await rawRun(join(dir, 'raw-after'), 'raw-after') : [];

  const rawSat = [rawBefore[0]?.result, rawAfter[0]?.result];
  const rawLow = [rawBefore[1]?.result, rawAfter[1]?.result];
  const raw = {
    tasksPerSec: meanOf(rawSat, (r) => r.tasksPerSec),
    cpuMsPerTask: meanOf(rawSat, (r) => r.cpuMsPerTask),
    natsIn: meanOf(rawSat, (r) => r.natsInMsgsPerTask),
    natsOut: meanOf(rawSat, (r) => r.natsOutMsgsPerTask),
    lowCpuMsPerTask: meanOf(rawLow, (r) => r.cpuMsPerTask),
    lowNatsIn: meanOf(rawLow, (r) => r.natsInMsgsPerTask),
    satP50: meanOf(rawSat, (r) => r.latencyMs.p50),
    satP99: meanOf(rawSat, (r) => r.latencyMs.p99),
    lowP50: meanOf(rawLow, (r) => r.latencyMs.p50),
    lowP99: meanOf(rawLow, (r) => r.latencyMs.p99),
  };

  /** (max - min) / mean of a raw figure across its repetitions: how noisy the machine was. */
  const spread = (results: (ScenarioResult | undefined)[], pick: (r: ScenarioResult) => number | null): number | null => {
    const xs = results.filter((r): r is ScenarioResult => r?.complete === true).map(pick).filter((x): x is number => x !== null && Number.isFinite(x));
    if (xs.length < 2) return null;
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    return mean > 0 ? (Math.max(...xs) - Math.min(...xs)) / mean : null;
  };
  const noise = { tasksPerSec: spread(rawSat, (r) => r.tasksPerSec), cpuMsPerTask: spread(rawSat, (r) => r.cpuMsPerTask), lowLoadP50Ms: spread(rawLow, (r) => r.latencyMs.p50) };

  // ---- the report ----
  const all = [...rawBefore, ...pipeline, ...rawAfter];
  const isRaw = (o: Outcome) => o.spec.id.startsWith('raw');
  const rows = all.map((o) => {
    const r = o.result;
    const label = `${o.spec.id}${rawAfter.includes(o) ? ' (after)' : ''}`;
    if (!r) return [label, o.spec.jobs * o.spec.tasksPerJob, 0, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', 'SETUP FAILED'];
    // Each row is compared with the raw run of the same load shape: bursts with the raw burst,
    // one-at-a-time with raw one-at-a-time (per-task CPU differs several-fold between the two).
    const low = r.mode === 'sequential';
    const rawCpu = low ? raw.lowCpuMsPerTask : raw.cpuMsPerTask;
    const rawIn = low ? raw.lowNatsIn : raw.natsIn;
    return [
      label,
      r.tasksExpected,
      r.tasks,
      low ? '-' : fmt(r.tasksPerSec),
      low || isRaw(o) ? '-' : fmtRatio(ratio(r.tasksPerSec, raw.tasksPerSec)),
      fmt(r.cpuMsPerTask, 2),
      isRaw(o) ? '-' : fmtRatio(ratio(r.cpuMsPerTask, rawCpu)),
      fmt(r.natsInMsgsPerTask),
      isRaw(o) ? '-' : fmtRatio(ratio(r.natsInMsgsPerTask, rawIn)),
      fmt(r.natsOutMsgsPerTask),
      fmt(r.latencyMs.p50),
      fmt(r.latencyMs.p99),
      isRaw(o) || !low ? '-' : fmtRatio(ratio(r.latencyMs.p50, raw.lowP50)),
      r.complete ? 'ok' : 'FAILED (partial)',
    ];
  });
  log('');
  log(formatTable(['scenario', 'tasks', 'done', 'tasks/s', 'vs raw', 'CPU ms/task', 'vs raw', 'in msgs/task', 'vs raw', 'out msgs/task', 'p50 ms', 'p99 ms', 'p50 vs raw', 'status'], rows));
  log('');
  log('Ratios compare each row with the raw run of the same load shape (bursts with rawSaturation, one-at-a-time with rawLowLoad).');
  log('Latency is per job (submit to completion): per task for raw; per run (whole phase) for the pipeline.');
  const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(0)}%`);
  log(`Raw figures used for ratios: mean of ${rawAfter.length ? `before and after (spread: throughput ${pct(noise.tasksPerSec)}, CPU/task ${pct(noise.cpuMsPerTask)}, low-load p50 ${pct(noise.lowLoadP50Ms)})` : 'the one measurement'}.`);
  log('Per process, CPU ms per task / NATS in-msgs per task:');
  for (const o of all) {
    const r = o.result;
    if (!r || r.tasks === 0) continue;
    const perTask = (x: Record<string, number>) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v / r.tasks]));
    log(`  ${o.spec.id}${rawAfter.includes(o) ? ' (after)' : ''}: CPU ${formatBreakdown(perTask(r.cpuMsByProcess), 2, 0.005)}`);
    log(`  ${' '.repeat(o.spec.id.length + (rawAfter.includes(o) ? 8 : 0))}  msgs ${formatBreakdown(perTask(r.natsInMsgsByConnection), 1, 0.05)}`);
  }
  const problems: string[] = [];
  for (const o of all) {
    if (o.error) problems.push(`${o.spec.id}: could not run: ${o.error}`);
    else if (o.result && !o.result.complete) problems.push(`${o.spec.id}: ${o.result.failure}`);
    for (const n of [...(o.result?.warnings ?? []), ...(o.result?.progress.notes ?? [])]) log(`  note ${o.spec.id}: ${n}`);
  }

  const byId = (id: string) => pipeline.find((o) => o.spec.id === id)?.result;
  const a = byId('oneRunNTasks');
  const low = byId('lowLoad');
  const scenarioJson = (o: Outcome) => {
    const r = o.result;
    if (!r) return { complete: false, error: o.error ?? 'not run' };
    const raws = isRaw(o);
    const perTask = (x: Record<string, number>) => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, round(r.tasks ? v / r.tasks : null, 3)]));
    return {
      complete: r.complete,
      ...(r.failure ? { failure: r.failure } : {}),
      shape: o.shape,
      jobs: r.jobs,
      tasksExpected: r.tasksExpected,
      tasks: r.tasks,
      wallMs: round(r.wallMs, 1),
      tasksPerSec: round(r.tasksPerSec, 1),
      ...(raws
        ? {}
        : r.mode === 'sequential'
          ? { cpuRatio: round(ratio(r.cpuMsPerTask, raw.lowCpuMsPerTask), 2), natsRatio: round(ratio(r.natsInMsgsPerTask, raw.lowNatsIn), 2), p50Ratio: round(ratio(r.latencyMs.p50, raw.lowP50), 2) }
          : { ratio: round(ratio(r.tasksPerSec, raw.tasksPerSec), 4), cpuRatio: round(ratio(r.cpuMsPerTask, raw.cpuMsPerTask), 2), natsRatio: round(ratio(r.natsInMsgsPerTask, raw.natsIn), 2) }),
      cpuMsPerTask: round(r.cpuMsPerTask, 3),
      natsMsgsPerTask: round(r.natsInMsgsPerTask, 2),
      natsOutMsgsPerTask: round(r.natsOutMsgsPerTask, 2),
      latencyMs: { n: r.latencyMs.n, p50: round(r.latencyMs.p50, 2), p90: round(r.latencyMs.p90, 2), p99: round(r.latencyMs.p99, 2), max: round(r.latencyMs.max, 2) },
      costWindowMs: round(r.costWindowMs, 0),
      settled: r.settled,
      cpuMsPerTaskByProcess: perTask(r.cpuMsByProcess),
      natsMsgsPerTaskByConnection: perTask(r.natsInMsgsByConnection),
    };
  };
  const summary = {
    bench: 'pipeline',
    commit: gitCommit(),
    cpus: cpus().length,
    loadAvg1: { start: round(load0, 2), end: round(loadavg()[0], 2) },
    totalS: round((performance.now() - t0) / 1000, 1),
    rawSpread: { tasksPerSec: round(noise.tasksPerSec, 3), cpuMsPerTask: round(noise.cpuMsPerTask, 3), lowLoadP50Ms: round(noise.lowLoadP50Ms, 3) },
    complete: problems.length === 0,
    failed: all.filter((o) => !o.result?.complete).map((o) => o.spec.id),
    headlineScenario: 'oneRunNTasks',
    headlineComplete: a?.complete ?? false,
    tasks: a?.tasksExpected ?? null,
    tasksPerSec: round(a?.tasksPerSec, 1),
    rawTasksPerSec: round(raw.tasksPerSec, 1),
    ratio: round(ratio(a?.tasksPerSec, raw.tasksPerSec), 4),
    cpuMsPerTask: round(a?.cpuMsPerTask, 3),
    rawCpuMsPerTask: round(raw.cpuMsPerTask, 3),
    cpuRatio: round(ratio(a?.cpuMsPerTask, raw.cpuMsPerTask), 2),
    natsMsgsPerTask: round(a?.natsInMsgsPerTask, 2),
    rawNatsMsgsPerTask: round(raw.natsIn, 2),
    natsOutMsgsPerTask: round(a?.natsOutMsgsPerTask, 2),
    rawNatsOutMsgsPerTask: round(raw.natsOut, 2),
    lowLoadP50Ms: round(low?.latencyMs.p50, 2),
    rawLowLoadP50Ms: round(raw.lowP50, 2),
    lowLoadP50Ratio: round(ratio(low?.latencyMs.p50, raw.lowP50), 2),
    lowLoadP99Ms: round(low?.latencyMs.p99, 2),
    lowLoadCpuMsPerTask: round(low?.cpuMsPerTask, 3),
    rawLowLoadCpuMsPerTask: round(raw.lowCpuMsPerTask, 3),
    lowLoadCpuRatio: round(ratio(low?.cpuMsPerTask, raw.lowCpuMsPerTask), 2),
    lowLoadNatsMsgsPerTask: round(low?.natsInMsgsPerTask, 2),
    rawLowLoadP99Ms: round(raw.lowP99, 2),
    rawSaturationP50Ms: round(raw.satP50, 2),
    rawSaturationP99Ms: round(raw.satP99, 2),
    scenarios: Object.fromEntries(pipeline.map((o) => [o.spec.id, scenarioJson(o)])),
    raw: { before: Object.fromEntries(rawBefore.map((o) => [o.spec.id, scenarioJson(o)])), after: Object.fromEntries(rawAfter.map((o) => [o.spec.id, scenarioJson(o)])) },
  };

  if (opts.keepDir) log(`\nkept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
  for (const p of problems) console.error(`bench: ${p}`);
  if (problems.length) console.error(`bench: ${problems.length} scenario(s) did not complete; their figures above are partial`);
  console.log(JSON.stringify(summary));
  // Exit explicitly: a library handle left open must not keep a finished bench alive.
  process.exit(problems.length ? 1 : 0);
}

main().catch((err) => {
  console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});

import type { BenchSession, Job, Progress } from './driver';
import { NatsMonitor, connzDelta, varzDelta, type ConnCounts, type VarzCounts } from './nats-monitor';
import { cpuDelta, takeCpuSnapshot, type CpuSnapshot, type CpuTarget } from './proc-stat';
import { summarize, type LatencySummary } from './stats';

/**
 * Runs one scenario against any BenchSession and measures it. Shape-agnostic: it submits jobs,
 * waits for their completions, and takes CPU (/proc) and message (/varz, /connz) deltas over the
 * window. A scenario that does not complete ends as a failure with what it did measure, never a
 * hang: it stops at its deadline, or earlier when nothing completes and NATS goes quiet for
 * `stallMs` (a pipeline that lost a result stops sending messages; one that is slow does not).
 */

export interface ScenarioSpec {
  id: string;
  title: string;
  jobs: number;
  tasksPerJob: number;
  /** burst: all jobs submitted at once (at most `window` submits outstanding); sequential: one job at a time. */
  mode: 'burst' | 'sequential';
  window: number;
  timeoutMs: number;
  stallMs: number;
  /** After the last completion, how long trailing work (projection) may take to settle. */
  settleMaxMs: number;
  /** sequential mode: give up after this many lost jobs. */
  maxLost?: number;
}

export interface ScenarioResult {
  id: string;
  title: string;
  mode: ScenarioSpec['mode'];
  jobs: number;
  tasksPerJob: number;
  tasksExpected: number;
  jobsCompleted: number;
  /** Tasks the per-task figures divide by: all of them if complete, else those the driver saw finish. */
  tasks: number;
  complete: boolean;
  failure?: string;
  /** First submit to last completion (or last finished task when incomplete). */
  wallMs: number;
  tasksPerSec: number | null;
  /** Per job, submit to completion. */
  latencyMs: LatencySummary;
  /** First submit to the end of the cost window (settled, or the moment the failure was detected). */
  costWindowMs: number;
  settled: boolean;
  cpuMsTotal: number;
  cpuMsPerTask: number | null;
  cpuMsByProcess: Record<string, number>;
  nats: VarzCounts;
  natsInMsgsPerTask: number | null;
  natsOutMsgsPerTask: number | null;
  natsInMsgsByConnection: Record<string, number>;
  progress: Progress;
  warnings: string[];
}

export interface Measurement {
  session: BenchSession;
  monitor: NatsMonitor;
  /** Processes charged with the work, besides those the session reports. */
  cpuTargets: CpuTarget[];
  /** Maps a NATS connection name to a report label (e.g. the service it belongs to). */
  connectionLabel?: (name: string) => string;
  log?: (line: string) => void;
}

const POLL_MS = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Snapshot {
  at: number;
  cpu: CpuSnapshot;
  varz: VarzCounts;
}

/**
 * Watches /varz in_msgs to tell "still working" from "stopped", and keeps a CPU snapshot of the
 * last poll that saw work: when a scenario stalls, or after its last completion, the cost window
 * closes there, so the idle time spent proving "quiet" is not charged to the tasks.
 */
class NatsActivity {
  private last?: { at: number; inMsgs: number };
  lastActiveAt = performance.now();
  lastActive?: Snapshot;
  /** In-messages a second that still count as idle (pull renewals, heartbeats, timers). */
  idlePerSec = 2;
  private timer?: NodeJS.Timeout;
  private polling = false;
  error?: Error;

  constructor(private readonly monitor: NatsMonitor, private readonly targets: readonly CpuTarget[]) {}

  async sample(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const v = await this.monitor.varz();
      const now = performance.now();
      if (this.last) {
        const dt = (now - this.last.at) / 1000;
        const rate = (v.inMsgs - this.last.inMsgs) / Math.max(dt, 0.001);
        if (rate > this.idlePerSec) {
          this.lastActiveAt = now;
          if (this.recording) this.lastActive = { at: now, cpu: takeCpuSnapshot(this.targets), varz: v };
        }
      }
      this.last = { at: now, inMsgs: v.inMsgs };
    } catch (err) {
      this.error = err as Error;
    } finally {
      this.polling = false;
    }
  }

  recording = false;

  /** Measures the idle in-message rate over `ms` and sets the threshold a little above it. */
  async calibrate(ms: number): Promise<number> {
    const a = await this.monitor.varz();
    const t = performance.now();
    await sleep(ms);
    const b = await this.monitor.varz();
    const rate = (b.inMsgs - a.inMsgs) / ((performance.now() - t) / 1000);
    this.idlePerSec = Math.max(2, rate * 2 + 1);
    return rate;
  }

  /** Waits until the server has been idle for `quietMs` (start-up churn over), at most `maxMs`. */
  async waitQuiet(quietMs: number, maxMs: number): Promise<boolean> {
    const deadline = performance.now() + maxMs;
    this.last = undefined;
    await this.sample();
    this.lastActiveAt = performance.now();
    while (performance.now() < deadline) {
      await sleep(POLL_MS);
      await this.sample();
      if (performance.now() - this.lastActiveAt >= quietMs) return true;
    }
    return false;
  }

  start(): void {
    this.stop();
    this.recording = true;
    this.timer = setInterval(() => void this.sample(), 500);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.recording = false;
  }
}

export async function runScenario(spec: ScenarioSpec, m: Measurement): Promise<ScenarioResult> {
  const log = m.log ?? (() => undefined);
  const targets = [...m.cpuTargets, ...m.session.cpuTargets()];
  const activity = new NatsActivity(m.monitor, targets);
  // Start-up traffic (consumers being created, first pulls) must not land in the window.
  await activity.waitQuiet(1000, 15_000);
  const idleRate = await activity.calibrate(1000);
  log(`  ${spec.id}: idle NATS traffic ${idleRate.toFixed(1)} msgs/s; stall threshold ${activity.idlePerSec.toFixed(1)} msgs/s for ${spec.stallMs / 1000} s`);

  const started = new Map<string, number>();
  const completed = new Set<string>();
  const latencies: number[] = [];
  let lastCompletionAt = 0;
  let wake: (() => void) | undefined;
  m.session.onComplete((key) => {
    const s = started.get(key);
    if (s === undefined || completed.has(key)) return; // not ours, given up on, or a duplicate
    const now = performance.now();
    completed.add(key);
    latencies.push(now - s);
    lastCompletionAt = now;
    wake?.();
  });

  const [v0, c0] = await Promise.all([m.monitor.varz(), m.monitor.connz()]);
  const cpu0 = takeCpuSnapshot(targets);
  const t0 = performance.now();
  const deadline = t0 + spec.timeoutMs;
  let lastSubmitAt = t0;
  let submitError: Error | undefined;
  activity.lastActiveAt = t0;
  activity.start();

  /** Resolves 'ok' when cond() holds, else 'timeout' / 'stalled' / 'error'. */
  const waitFor = async (cond: () => boolean): Promise<'ok' | 'timeout' | 'stalled' | 'error'> => {
    for (;;) {
      if (cond()) return 'ok';
      if (submitError) return 'error';
      const now = performance.now();
      if (now > deadline) return 'timeout';
      if (spec.stallMs > 0 && now - Math.max(lastCompletionAt, activity.lastActiveAt, lastSubmitAt) > spec.stallMs) return 'stalled';
      await new Promise<void>((r) => {
        const t = setTimeout(r, POLL_MS);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      wake = undefined;
    }
  };

  const jobKey = (i: number) => `${spec.id}-${i}`;
  let failure: string | undefined;
  let failKind: 'timeout' | 'stalled' | 'error' | undefined;
  const describe = (outcome: string) => {
    if (outcome === 'error') return `a submit failed: ${submitError?.message}`;
    if (outcome === 'timeout') return `did not complete within ${(spec.timeoutMs / 1000).toFixed(0)} s`;
    return `stalled: no job completed and NATS was quiet (< ${activity.idlePerSec.toFixed(1)} msgs/s) for ${(spec.stallMs / 1000).toFixed(0)} s`;
  };

  if (spec.mode === 'burst') {
    const inflight = new Set<Promise<void>>();
    for (let i = 0; i < spec.jobs && !submitError; i++) {
      const job: Job = { key: jobKey(i), tasks: spec.tasksPerJob };
      started.set(job.key, performance.now());
      const p: Promise<void> = m.session.submit(job).then(
        () => {
          lastSubmitAt = performance.now();
        },
        (err) => {
          submitError ??= err as Error;
        },
      ).finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= spec.window) await Promise.race(inflight);
      if (performance.now() > deadline) break;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(inflight), new Promise((r) => (timer = setTimeout(r, Math.max(0, deadline - performance.now()))))]);
    clearTimeout(timer);
    const outcome = await waitFor(() => completed.size >= spec.jobs);
    if (outcome !== 'ok') {
      failKind = outcome;
      failure = `${completed.size} of ${spec.jobs} jobs completed; ${describe(outcome)}`;
    }
  } else {
    let lost = 0;
    const maxLost = spec.maxLost ?? 3;
    for (let i = 0; i < spec.jobs; i++) {
      const job: Job = { key: jobKey(i), tasks: spec.tasksPerJob };
      started.set(job.key, performance.now());
      try {
        await m.session.submit(job);
      } catch (err) {
        submitError ??= err as Error;
      }
      lastSubmitAt = performance.now();
      const outcome = await waitFor(() => completed.has(job.key));
      if (outcome === 'ok') continue;
      started.delete(job.key); // a late completion no longer counts
      if (outcome === 'stalled') {
        lost++;
        log(`  ${spec.id}: job ${i + 1} of ${spec.jobs} lost (${describe(outcome)})`);
        if (lost < maxLost) {
          lastCompletionAt = performance.now(); // the next job gets a full stall period
          continue;
        }
      }
      failKind = outcome;
      failure = `${completed.size} of ${spec.jobs} jobs completed, ${lost} lost; ${outcome === 'stalled' ? `gave up after ${lost} lost jobs` : describe(outcome)}`;
      break;
    }
    if (!failure && lost > 0) failKind = 'stalled';
    if (!failure && lost > 0) failure = `${lost} of ${spec.jobs} jobs never completed (each: ${describe('stalled')})`;
  }

  const complete = failure === undefined;
  const doneAt = complete ? lastCompletionAt : undefined;
  let settled = false;
  let end: Snapshot | undefined;
  if (complete) {
    // Trailing work (projector, gate reactions) is part of what a task costs: the cost window
    // stays open until the driver says it has caught up and NATS has been quiet for a second; it
    // closes at the last poll that still saw work (or at the last completion).
    end = { at: performance.now(), cpu: takeCpuSnapshot(targets), varz: await m.monitor.varz() };
    activity.lastActive = undefined;
    const settleDeadline = performance.now() + spec.settleMaxMs;
    while (performance.now() < settleDeadline) {
      await sleep(POLL_MS);
      if (performance.now() - activity.lastActiveAt >= 1000 && (await m.session.settled())) {
        settled = true;
        break;
      }
    }
    if (activity.lastActive) end = activity.lastActive;
    if (!settled) end = undefined; // still busy: close the window now
  } else if (failKind === 'stalled' && activity.lastActive) {
    end = activity.lastActive; // stalled: the work stopped at the last active poll
  }
  activity.stop();
  if (!end) end = { at: performance.now(), cpu: takeCpuSnapshot(targets), varz: await m.monitor.varz() };
  const cpu1 = end.cpu;
  const v1 = end.varz;
  const c1 = await m.monitor.connz();
  const tEnd = end.at;

  // Read after the window: reading the stream must not count as the work measured.
  const progress = await m.session.progress().catch((err): Progress => ({ tasksDone: 0, notes: [`progress unavailable: ${(err as Error).message}`] }));
  const tasksExpected = spec.jobs * spec.tasksPerJob;
  const tasks = complete ? tasksExpected : progress.tasksDone;
  if (failure) failure += ` (${progress.tasksDone} of ${tasksExpected} tasks finished)`;
  let wallMs: number;
  if (doneAt !== undefined) wallMs = doneAt - t0;
  else if (progress.lastDoneAt !== undefined) wallMs = progress.lastDoneAt - (Date.now() - performance.now()) - t0;
  else wallMs = lastCompletionAt > 0 ? lastCompletionAt - t0 : NaN;

  const cpu = cpuDelta(cpu0, cpu1);
  const nats = varzDelta(v0, v1);
  const byConn: Record<string, number> = {};
  for (const [name, d] of Object.entries(connzDelta(c0, c1, m.connectionLabel))) byConn[name] = d.inMsgs;
  const per = (x: number) => (tasks > 0 ? x / tasks : null);
  const warnings = [...cpu.warnings];
  if (activity.error) warnings.push(`NATS monitor poll failed: ${activity.error.message}`);
  if (complete && !settled) warnings.push(`trailing work did not settle within ${spec.settleMaxMs / 1000} s (cost window closed anyway)`);

  return {
    id: spec.id,
    title: spec.title,
    mode: spec.mode,
    jobs: spec.jobs,
    tasksPerJob: spec.tasksPerJob,
    tasksExpected,
    jobsCompleted: completed.size,
    tasks,
    complete,
    failure,
    wallMs,
    tasksPerSec: tasks > 0 && wallMs > 0 ? tasks / (wallMs / 1000) : null,
    latencyMs: summarize(latencies),
    costWindowMs: tEnd - t0,
    settled,
    cpuMsTotal: cpu.totalMs,
    cpuMsPerTask: per(cpu.totalMs),
    cpuMsByProcess: cpu.byTarget,
    nats,
    natsInMsgsPerTask: per(nats.inMsgs),
    natsOutMsgsPerTask: per(nats.outMsgs),
    natsInMsgsByConnection: byConn,
    progress,
    warnings,
  };
}

/** The label of a NATS connection: the longest known process name it contains, else its own name. */
export function labelConnection(knownNames: readonly string[]): (name: string) => string {
  const names = [...knownNames].sort((a, b) => b.length - a.length);
  return (name) => names.find((n) => name.includes(n)) ?? name;
}

export type { ConnCounts };

import type { BenchSession, Job } from './driver';
import type { NatsMonitor } from './nats-monitor';
import { runScenario, type ScenarioSpec } from './scenario';

/** A NATS monitor whose in_msgs grows by `perRead` at each read (0 = a quiet server). */
function fakeMonitor(perRead: () => number): NatsMonitor {
  let inMsgs = 0;
  return {
    baseUrl: 'fake',
    varz: async () => {
      inMsgs += perRead();
      return { inMsgs, outMsgs: inMsgs, inBytes: 0, outBytes: 0 };
    },
    connz: async () => [{ cid: 1, name: 'svc', inMsgs, outMsgs: 0 }],
  } as unknown as NatsMonitor;
}

/** A session that completes a job after `delayMs`, unless `lose(job)` says it is lost. */
function fakeSession(delayMs: number, lose: (job: Job) => boolean = () => false): BenchSession & { submitted: number } {
  let cb: ((key: string) => void) | undefined;
  let done = 0;
  const s = {
    submitted: 0,
    async submit(job: Job) {
      s.submitted++;
      if (!lose(job)) setTimeout(() => {
        done += job.tasks;
        cb?.(job.key);
      }, delayMs);
    },
    onComplete: (f: (key: string) => void) => (cb = f),
    progress: async () => ({ tasksDone: done, notes: [] }),
    settled: async () => true,
    cpuTargets: () => [],
    close: async () => undefined,
  };
  return s;
}

const spec = (over: Partial<ScenarioSpec>): ScenarioSpec => ({
  id: 't', title: 't', jobs: 20, tasksPerJob: 2, mode: 'burst', window: 4, timeoutMs: 10_000, stallMs: 1500, settleMaxMs: 3000, ...over,
});
const self = [{ name: 'self', pid: process.pid, tree: false }];

describe('runScenario (fake session and monitor, no servers)', () => {
  jest.setTimeout(30_000);

  it('completes a burst and divides by every task', async () => {
    const session = fakeSession(5);
    const r = await runScenario(spec({}), { session, monitor: fakeMonitor(() => 0), cpuTargets: self });
    expect(r.complete).toBe(true);
    expect(r.tasks).toBe(40);
    expect(r.latencyMs.n).toBe(20);
    expect(r.tasksPerSec).toBeGreaterThan(0);
    expect(session.submitted).toBe(20);
  });

  it('ends a hung pipeline as "stalled" once nothing completes and NATS is quiet', async () => {
    const t = Date.now();
    const session = fakeSession(5, (job) => job.key === 't-7');
    const r = await runScenario(spec({ stallMs: 1000 }), { session, monitor: fakeMonitor(() => 0), cpuTargets: self });
    expect(r.complete).toBe(false);
    expect(r.failure).toMatch(/^19 of 20 jobs completed; stalled: .*\(38 of 40 tasks finished\)$/);
    expect(r.tasks).toBe(38);
    expect(Date.now() - t).toBeLessThan(9000); // well before the 10 s deadline
  });

  it('ends a pipeline that keeps sending but never completes at its deadline', async () => {
    const session = fakeSession(5, () => true);
    // Quiet until the first submit (so the idle rate calibrates low), then busy for good.
    const r = await runScenario(spec({ timeoutMs: 2500, stallMs: 1000 }), { session, monitor: fakeMonitor(() => (session.submitted > 0 ? 100 : 0)), cpuTargets: self });
    expect(r.complete).toBe(false);
    expect(r.failure).toMatch(/did not complete within 3 s/);
    expect(r.tasks).toBe(0);
    expect(r.tasksPerSec).toBeNull();
  });

  it('counts lost jobs one at a time and still fails the scenario', async () => {
    const session = fakeSession(2, (job) => job.key === 't-3');
    const r = await runScenario(spec({ mode: 'sequential', jobs: 6, tasksPerJob: 1, stallMs: 800 }), { session, monitor: fakeMonitor(() => 0), cpuTargets: self });
    expect(r.complete).toBe(false);
    expect(r.jobsCompleted).toBe(5);
    expect(r.failure).toMatch(/^1 of 6 jobs never completed/);
    expect(r.latencyMs.n).toBe(5);
  });
});

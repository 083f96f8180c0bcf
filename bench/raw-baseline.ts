import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, type ConsumerMessages } from 'nats';
import { registerSpawned } from '@ideamine/devstack';
import type { BenchSession, DriverEnv, Job, Progress } from './lib/driver';
import type { CpuTarget } from './lib/proc-stat';
import { RAW } from './raw-protocol';

/**
 * The raw JetStream round trip in its fairest shape, behind the same BenchSession interface as the
 * pipeline: the driver publishes a job's tasks to a work-queue stream (pipelined: the harness keeps
 * many submits outstanding), a worker in its own process (raw-worker.ts) consumes them through a
 * durable pull consumer with 64 in flight and publishes one completion per task to a second stream,
 * and the driver reads completions through an ordered consumer on that stream.
 */

export async function openRawSession(env: DriverEnv): Promise<BenchSession> {
  const jsm = await env.nc.jetstreamManager();
  // File storage like the pipeline's streams, so both pay the same persistence.
  await jsm.streams.add({ name: RAW.workStream, subjects: [`${RAW.workPrefix}>`], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
  await jsm.streams.add({ name: RAW.doneStream, subjects: [`${RAW.donePrefix}>`], storage: StorageType.File });
  await jsm.consumers.add(RAW.workStream, { durable_name: RAW.durable, ack_policy: AckPolicy.Explicit, max_ack_pending: RAW.inFlight });

  const worker = await spawnWorker(env);
  const pendingTasks = new Map<string, number>(); // job key -> tasks not yet completed
  const jobOfTask = (taskKey: string) => taskKey.slice(0, taskKey.lastIndexOf('_'));
  let callback: ((key: string) => void) | undefined;
  let tasksDone = 0;
  let lastDoneAt: number | undefined;

  const done = await env.js.consumers.get(RAW.doneStream, { deliver_policy: DeliverPolicy.New, filterSubjects: `${RAW.donePrefix}>` });
  const completions: ConsumerMessages = await done.consume();
  void (async () => {
    for await (const m of completions) {
      const job = jobOfTask(m.subject.slice(RAW.donePrefix.length));
      tasksDone++;
      lastDoneAt = Date.now();
      const left = (pendingTasks.get(job) ?? 1) - 1;
      if (left > 0) {
        pendingTasks.set(job, left);
      } else {
        pendingTasks.delete(job);
        callback?.(job);
      }
    }
  })();

  return {
    async submit(job: Job) {
      pendingTasks.set(job.key, job.tasks);
      const payload = Buffer.from(job.key);
      await Promise.all(Array.from({ length: job.tasks }, (_, i) => env.js.publish(`${RAW.workPrefix}${job.key}_${i}`, payload)));
    },
    onComplete(cb) {
      callback = cb;
    },
    async progress(): Promise<Progress> {
      return { tasksDone, lastDoneAt, notes: [] };
    },
    async settled() {
      return true;
    },
    cpuTargets(): CpuTarget[] {
      return worker.pid ? [{ name: 'raw-worker', pid: worker.pid, tree: true }] : [];
    },
    async close() {
      await completions.close();
      await stopChild(worker);
      await jsm.streams.delete(RAW.workStream).catch(() => undefined);
      await jsm.streams.delete(RAW.doneStream).catch(() => undefined);
    },
  };
}

function spawnWorker(env: DriverEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(env.root, 'dist', 'bench', 'raw-worker.js'), env.natsUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  registerSpawned(child); // killed if the bench dies
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('raw-worker did not print "ready" within 15 s'));
    }, 15_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`raw-worker exited before it was ready (${code ?? signal})`));
    });
    child.stdout!.setEncoding('utf8').once('data', (chunk: string) => {
      clearTimeout(timer);
      if (chunk.startsWith('ready')) resolve(child);
      else reject(new Error(`raw-worker said: ${chunk}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

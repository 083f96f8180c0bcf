import type { JetStreamClient, NatsConnection } from 'nats';
import type { ServiceId } from '@ideamine/devstack';
import type { CpuTarget } from './proc-stat';

/**
 * What the harness needs from whatever it measures. The harness only knows *jobs*: one job is one
 * run whose single phase holds `tasks` no-op tasks; it submits jobs, is told when each completes,
 * and measures everything else itself (CPU from /proc, messages from the NATS monitor, time).
 * bench/pipeline-driver.ts is the pipeline's adapter; bench/raw-baseline.ts is the raw
 * JetStream round trip behind the same interface.
 */
export interface Job {
  /** Unique in a bench run; chosen by the harness before submit, so a fast completion is never missed. */
  key: string;
  tasks: number;
}

export interface DriverEnv {
  /** The bench's own connection (named "bench-driver"). */
  nc: NatsConnection;
  js: JetStreamClient;
  natsUrl: string;
  databaseUrl?: string;
  /** Scratch directory for this stack (logs etc.). */
  dir: string;
  /** Repository root (holds dist/). */
  root: string;
}

export interface Progress {
  /** Distinct tasks that finished, however the job ended; read after the window closed. */
  tasksDone: number;
  /** Epoch ms of the last task that finished, if known. */
  lastDoneAt?: number;
  /** Anything odd the driver saw (e.g. a task that succeeded twice). */
  notes: string[];
}

export interface BenchSession {
  /** Publishes one job; resolves when the publish is acknowledged. Called many at once in a burst. */
  submit(job: Job): Promise<void>;
  /** The callback is called once per completed job key, as soon as completion is observed. */
  onComplete(cb: (key: string) => void): void;
  progress(): Promise<Progress>;
  /** True once work that trails completion (e.g. projection into Postgres) has caught up. */
  settled(): Promise<boolean>;
  /** Processes this session started itself (the raw worker), charged to the scenario's CPU. */
  cpuTargets(): CpuTarget[];
  close(): Promise<void>;
}

export interface JobShape {
  /** Tasks a job will really run when asked for `requested` (the phase shape may round up). */
  tasks: number;
  /** How the job is built, for the report (e.g. "94 agents x 32 shards"). */
  description: string;
}

/** The pipeline side: which services to start, how to shape a job, how to drive it. */
export interface PipelineDriver {
  services: readonly ServiceId[];
  serviceEnv(opts: { workerConcurrency: number; largestJobTasks: number; root: string }): NodeJS.ProcessEnv;
  shape(requested: number): JobShape;
  open(env: DriverEnv): Promise<BenchSession>;
}

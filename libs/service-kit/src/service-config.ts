import { hostname } from 'node:os';
import type { ServiceName } from '@ideamine/contracts';

export const DEFAULT_PORTS: Record<ServiceName, number> = {
  api: 8080, planner: 8081, scheduler: 8082, worker: 8083, supervisor: 8084,
  gatekeeper: 8085, 'ledger-projector': 8086, dossier: 8087, cli: 0,
};

export class ConfigError extends Error {
  readonly code = 'IM_CONFIG';
}

/** Everything a service reads from the environment, in one place (documented in the README). */
export interface ServiceConfig {
  service: ServiceName;
  natsUrl: string;
  databaseUrl: string;
  port: number;
  host: string;
  jetstreamSpecPath: string;
  phasesDir: string;
  instance: string;
  natsReplicas?: number;
  workerPool: string;
  workerConcurrency: number;
  /** Decider partitions (IM_DECIDER_PARTITIONS): runs hash onto them; each has one owner at a time. Same value on every replica. */
  deciderPartitions: number;
  /** Partition lease lifetime (IM_LEASE_TTL_MS): how long a dead replica's runs wait before another takes them. */
  leaseTtlMs: number;
  /** How often decider state snapshots are written (IM_SNAPSHOT_INTERVAL_MS). */
  snapshotIntervalMs: number;
  /** Validate what this service publishes against proto-events (IM_VALIDATE_PUBLISH=1; consumers always validate what they receive). */
  validatePublished: boolean;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name}="${raw}" must be a non-negative integer`);
  return n;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = int(env, name, fallback);
  if (n < 1) throw new ConfigError(`${name}="${env[name]}" must be at least 1`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(`${name}="${raw}" must be 1 or 0`);
}

export function loadServiceConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    service,
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/ideamine',
    port: int(env, 'PORT', DEFAULT_PORTS[service]),
    host: env.HOST ?? '0.0.0.0',
    jetstreamSpecPath: env.IM_JETSTREAM_SPEC ?? 'deploy/nats/jetstream.yaml',
    phasesDir: env.IM_PHASES_DIR ?? 'config/phases',
    instance: env.IM_INSTANCE ?? `${hostname()}-${process.pid}`,
    natsReplicas: env.IM_NATS_REPLICAS ? int(env, 'IM_NATS_REPLICAS', 1) : undefined,
    workerPool: env.IM_WORKER_POOL ?? 'default',
    workerConcurrency: int(env, 'IM_WORKER_CONCURRENCY', 4),
    deciderPartitions: positive(env, 'IM_DECIDER_PARTITIONS', 16),
    leaseTtlMs: positive(env, 'IM_LEASE_TTL_MS', 6000),
    snapshotIntervalMs: positive(env, 'IM_SNAPSHOT_INTERVAL_MS', 5000),
    validatePublished: bool(env, 'IM_VALIDATE_PUBLISH', false),
  };
}

import { hostname } from 'node:os';
import type { ServiceName } from '@ideamine/contracts';

export const DEFAULT_PORTS: Record<ServiceName, number> = {
  api: 8080, planner: 8081, scheduler: 8082, worker: 8083, supervisor: 8084,
  gatekeeper: 8085, 'ledger-projector': 8086, dossier: 8087, cli: 0,
};

/**
 * Event messages a decider handles at once. Decisions about one run or phase serialize on the KV
 * snapshot's compare-and-set (ADR 0002), so this only lets different runs proceed in parallel.
 * Command consumers stay at 1: a cancel must not overtake the submit it cancels.
 */
export const DECIDER_CONCURRENCY = 8;

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
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name}="${raw}" must be a non-negative integer`);
  return n;
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
  };
}

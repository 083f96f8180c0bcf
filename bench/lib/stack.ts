import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type JetStreamClient, type NatsConnection } from 'nats';
import { startLocalStack, startNatsServer, startServices, type ServiceId } from '@ideamine/devstack';
import { NatsMonitor } from './nats-monitor';
import type { CpuTarget } from './proc-stat';

/**
 * Private servers for one scenario, in a temp dir, on free ports: never the machine's NATS or
 * Postgres (NATS_URL / DATABASE_URL are ignored on purpose). nats-server always runs with its
 * monitoring port, which the bench reads for message counts.
 */
export interface BenchStack {
  dir: string;
  natsUrl: string;
  databaseUrl?: string;
  monitor: NatsMonitor;
  /** The bench's own connection. */
  nc: NatsConnection;
  js: JetStreamClient;
  /** Every process charged with the work: the driver itself, servers, services. */
  cpuTargets: CpuTarget[];
  /** Names of the processes, for labelling NATS connections. */
  processNames: string[];
  stop(): Promise<void>;
}

async function connectDriver(natsUrl: string): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
  // noAsyncTraces: the bench's own client should cost as little as it can, in both baselines.
  const nc = await connect({ servers: natsUrl, name: 'bench-driver', noAsyncTraces: true });
  return { nc, js: nc.jetstream() };
}

const driverTarget = (): CpuTarget => ({ name: 'bench-driver', pid: process.pid, tree: false });

/** nats-server only: the raw baseline needs nothing else. */
export async function startNatsStack(dir: string): Promise<BenchStack> {
  mkdirSync(dir, { recursive: true });
  const nats = await startNatsServer({ dir: join(dir, 'nats') });
  try {
    const { nc, js } = await connectDriver(nats.url);
    return {
      dir,
      natsUrl: nats.url,
      monitor: new NatsMonitor(`http://127.0.0.1:${nats.monitorPort}`),
      nc,
      js,
      cpuTargets: [driverTarget(), { name: 'nats-server', pid: nats.pid, tree: true }],
      processNames: ['bench-driver', 'bench-raw-worker'],
      async stop() {
        await nc.close().catch(() => undefined);
        await nats.stop();
      },
    };
  } catch (err) {
    await nats.stop();
    throw err;
  }
}

/** nats-server + Postgres + the given services, each its own process (libs/devstack). */
export async function startServiceStack(dir: string, opts: { root: string; services: readonly ServiceId[]; env: NodeJS.ProcessEnv }): Promise<BenchStack> {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755); // postgres runs as its own user when we are root
  const stack = await startLocalStack({ baseDir: dir, fsync: false, env: {} });
  const nats = stack.nats!;
  const postgres = stack.postgres!;
  let services: Awaited<ReturnType<typeof startServices>> | undefined;
  let conn: { nc: NatsConnection; js: JetStreamClient } | undefined;
  const stop = async () => {
    await conn?.nc.close().catch(() => undefined);
    await services?.stop();
    await stack.stop();
  };
  try {
    services = await startServices({
      natsUrl: stack.natsUrl,
      databaseUrl: stack.databaseUrl,
      apiKeys: 'bench',
      logDir: join(dir, 'logs'),
      root: opts.root,
      services: opts.services,
      env: opts.env,
    });
    conn = await connectDriver(stack.natsUrl);
  } catch (err) {
    await stop();
    throw err;
  }
  const serviceTargets: CpuTarget[] = services.instances
    .filter((i) => i.child.pid !== undefined)
    .map((i) => ({ name: i.service, pid: i.child.pid as number, tree: true }));
  return {
    dir,
    natsUrl: stack.natsUrl,
    databaseUrl: stack.databaseUrl,
    monitor: new NatsMonitor(`http://127.0.0.1:${nats.monitorPort}`),
    nc: conn.nc,
    js: conn.js,
    cpuTargets: [driverTarget(), { name: 'nats-server', pid: nats.pid, tree: true }, { name: 'postgres', pid: postgres.pid, tree: true }, ...serviceTargets],
    processNames: ['bench-driver', ...opts.services],
    stop,
  };
}

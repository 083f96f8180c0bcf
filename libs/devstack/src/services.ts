import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from './ports';
import { httpStatus } from './http-probe';
import { registerSpawned } from './process-registry';
import { readLogTail } from './log-tail';

/** Every long-running service, in start order (the projector first: it applies migrations). */
export const SERVICES = ['ledger-projector', 'planner', 'scheduler', 'worker', 'supervisor', 'gatekeeper', 'dossier', 'api'] as const;
export type ServiceId = (typeof SERVICES)[number];

export class ServiceStartError extends Error {
  readonly code = 'IM_SERVICE_START_FAILED';
}

export interface ServiceInstance {
  service: ServiceId;
  index: number;
  port: number;
  logFile: string;
  child: ChildProcess;
}

export interface ServicesOptions {
  natsUrl: string;
  databaseUrl: string;
  apiKeys: string;
  logDir: string;
  /** Repository root holding dist/, config/ and deploy/ (default: the current directory). */
  root?: string;
  services?: readonly ServiceId[];
  /** Instances per service (property 5: two replicas behave like one). */
  replicas?: Partial<Record<ServiceId, number>>;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** Fixed ports for first instances (e.g. the API on 8080 for npm start); others get free ports. */
  ports?: Partial<Record<ServiceId, number>>;
}

export interface RunningServices {
  instances: ServiceInstance[];
  apiUrl: string;
  instance(service: ServiceId, index?: number): ServiceInstance;
  kill(service: ServiceId, index?: number): Promise<void>;
  start(service: ServiceId, index?: number): Promise<ServiceInstance>;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (exited(child)) return Promise.resolve();
  return new Promise((r) => {
    const t = setTimeout(r, timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      r();
    });
  });
}

/**
 * Starts each service as its own node process (compiled dist/), waits for /health/ready, and gives
 * handles to kill (SIGKILL) and restart any one instance: the basis of the demo and fault tests.
 */
export async function startServices(opts: ServicesOptions): Promise<RunningServices> {
  const root = resolve(opts.root ?? process.cwd());
  mkdirSync(opts.logDir, { recursive: true });
  const list = opts.services ?? SERVICES;
  const instances: ServiceInstance[] = [];
  const ports = new Map<string, number>();

  const launch = async (service: ServiceId, index: number): Promise<ServiceInstance> => {
    const entry = join(root, 'dist', 'apps', service, 'src', 'main.js');
    if (!existsSync(entry)) throw new ServiceStartError(`${entry} is missing: run npm run build first`);
    const key = `${service}#${index}`;
    const port = ports.get(key) ?? (index === 0 ? opts.ports?.[service] : undefined) ?? (await freePort());
    ports.set(key, port);
    const logFile = join(opts.logDir, `${service}-${index}.log`);
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, ['--enable-source-maps', entry], {
      cwd: root,
      // Tests and the demo validate what every service publishes (IM_VALIDATE_PUBLISH); a bench turns it off.
      env: { IM_VALIDATE_PUBLISH: '1', ...process.env, ...opts.env, NATS_URL: opts.natsUrl, DATABASE_URL: opts.databaseUrl, IM_API_KEYS: opts.apiKeys, PORT: String(port), HOST: '127.0.0.1', IM_INSTANCE: `${service}-${index}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    registerSpawned(child);
    const inst = { service, index, port, logFile, child };
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 45_000);
    while ((await httpStatus(`http://127.0.0.1:${port}/health/ready`, 1000)) !== 200) {
      if (exited(child) || Date.now() > deadline) {
        child.kill('SIGKILL');
        const tail = readLogTail(logFile, 20);
        throw new ServiceStartError(`${service} #${index} did not become ready${exited(child) ? ` (exited ${child.exitCode ?? child.signalCode})` : ''}; last log lines:\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    return inst;
  };

  const handle: RunningServices = {
    instances,
    apiUrl: '',
    instance(service, index = 0) {
      const i = instances.find((x) => x.service === service && x.index === index);
      if (!i) throw new Error(`no instance ${service} #${index}`);
      return i;
    },
    async kill(service, index = 0) {
      const i = handle.instance(service, index);
      i.child.kill('SIGKILL');
      await waitExit(i.child, 5000);
    },
    async start(service, index = 0) {
      const i = await launch(service, index);
      const pos = instances.findIndex((x) => x.service === service && x.index === index);
      if (pos >= 0) instances[pos] = i;
      else instances.push(i);
      return i;
    },
    async stop() {
      await Promise.all(instances.map(async (i) => {
        if (exited(i.child)) return;
        i.child.kill('SIGTERM');
        await waitExit(i.child, 8000);
        if (!exited(i.child)) i.child.kill('SIGKILL');
      }));
    },
  };

  const launchAll = async (services: readonly ServiceId[]) => {
    const started = await Promise.all(services.flatMap((service) => Array.from({ length: opts.replicas?.[service] ?? 1 }, (_, index) => launch(service, index))));
    instances.push(...started);
  };
  try {
    // Everything starts at once, except the api: its readiness needs the schema the projector migrates.
    await launchAll(list.filter((s) => s !== 'api'));
    if (list.includes('api')) await launchAll(['api']);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  if (list.includes('api')) handle.apiUrl = `http://127.0.0.1:${handle.instance('api').port}`;
  return handle;
}

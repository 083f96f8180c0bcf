import { spawn, ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@ideamine/devstack';
import { descendantPids, isAlive } from '../../libs/devstack/src/process-tree';
import { waitFor } from './e2e-helpers';

const ROOT = join(__dirname, '..', '..');

/**
 * `npm start` as a user runs it: through npm, which forwards SIGINT and SIGTERM but dies of SIGHUP
 * without passing it on. Whatever the signal, nats-server, Postgres and the eight services it
 * started must all be gone afterwards.
 */
describe('npm start lifecycle', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`stops everything it started on ${signal} to npm`, async () => {
      const data = mkdtempSync(join(tmpdir(), 'ideamine-start-'));
      dirs.push(data);
      chmodSync(data, 0o755); // as root, Postgres runs as "postgres", which must enter it
      const port = await freePort();
      let out = '';
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), IM_API_KEYS: 'lifecycle-key', IM_DEMO_DATA_DIR: data, LOG_LEVEL: 'warn' };
      delete env.NATS_URL;
      delete env.DATABASE_URL;
      const npm: ChildProcess = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      npm.stdout!.on('data', (c) => (out += c));
      npm.stderr!.on('data', (c) => (out += c));
      try {
        await waitFor('npm start to print the service URLs', async () => {
          if (npm.exitCode !== null) throw new Error(`npm start exited ${npm.exitCode}:\n${out.slice(-3000)}`);
          return /Ctrl-C/.test(out);
        }, 150_000, 200).catch((err) => {
          throw new Error(`${err.message}\n${out.slice(-3000)}`);
        });
        expect(out).toContain(`Dashboard: http://127.0.0.1:${port}/`);
        for (const s of ['api', 'planner', 'scheduler', 'worker', 'supervisor', 'gatekeeper', 'ledger-projector', 'dossier']) expect(out).toMatch(new RegExp(`${s}\\s+health http://127\\.0\\.0\\.1:\\d+/health/ready\\s+metrics http://127\\.0\\.0\\.1:\\d+/metrics`));
        const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
        expect(res.status).toBe(200);
        // Everything npm start runs: node, nats-server, postgres (and its backends), every service.
        const tree = descendantPids(npm.pid!);
        expect(tree.length).toBeGreaterThanOrEqual(11);
        const exited = new Promise((r) => npm.once('exit', r));
        npm.kill(signal);
        await exited;
        await waitFor(`every process to be gone after ${signal}`, async () => tree.every((pid) => !isAlive(pid)), 30_000, 200)
          .catch(() => {
            throw new Error(`left behind after ${signal}: ${tree.filter(isAlive).join(', ')}\n${out.slice(-2000)}`);
          });
        await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
      } finally {
        if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
        for (const pid of descendantPids(npm.pid!)) process.kill(pid, 'SIGKILL');
      }
    }, 240_000);
  }
});

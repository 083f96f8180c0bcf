import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startNatsServer } from './nats-server';
import { killAllSpawned, spawnedCount } from './process-registry';
import { isAlive, signalQuietly, waitUntilGone } from './process-tree';

const repoRoot = path.resolve(__dirname, '../../..');

/**
 * A plain Node process (not a jest worker) that starts a nats-server through the dev stack and
 * then dies in the given way. Loads the TypeScript sources with a transpile-only hook.
 */
const CHILD_SCRIPT = `
const fs = require('fs');
const ts = require('typescript');
require.extensions['.ts'] = (m, file) => m._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'), {
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
}).outputText, file);
const { startNatsServer } = require(process.env.DEVSTACK_SRC + '/nats-server.ts');
startNatsServer({ dir: process.env.NATS_DIR }).then((server) => {
  process.stdout.write(server.pid + '\\n');
  if (process.env.DEATH === 'exit') process.exit(3);
  if (process.env.DEATH === 'throw') setImmediate(() => { throw new Error('deliberate crash'); });
  // 'signal': stay alive (the server handle keeps the loop running) until the parent signals us
});
`;

type Death = 'exit' | 'throw' | 'signal';

async function serverPidAfterOwnerDies(death: Death, dir: string): Promise<{ serverPid: number; ownerSignal: string | null }> {
  const owner = spawn(process.execPath, ['-e', CHILD_SCRIPT], {
    cwd: repoRoot,
    env: { ...process.env, DEVSTACK_SRC: __dirname, NATS_DIR: dir, DEATH: death },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  owner.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => owner.once('exit', (_code, signal) => resolve(signal)));
  const serverPid = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    owner.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('\n')) resolve(Number(stdout.trim()));
    });
    void exited.then(() => reject(new Error(`owner exited before starting nats-server: ${stderr}`)));
  });
  if (death === 'signal') owner.kill('SIGTERM');
  return { serverPid, ownerSignal: await exited };
}

describe('process registry', () => {
  let tmpDir: string;
  /** Servers of dead owners; if the registry failed they are orphans we must not leave behind. */
  const orphanCandidates: number[] = [];

  beforeEach(() => {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ideamine-devstack-registry-'));
  });

  afterEach(() => {
    // Only a process still running on this test's dir: the pid may since belong to someone else.
    for (const pid of orphanCandidates.splice(0)) {
      if (commandLine(pid).includes(tmpDir)) signalQuietly(pid, 'SIGKILL');
    }
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it.each<Death>(['exit', 'throw'])('leaves no server running when its owner process ends by %s', async (death) => {
    const { serverPid } = await serverPidAfterOwnerDies(death, tmpDir);
    orphanCandidates.push(serverPid);
    expect(serverPid).toBeGreaterThan(0);
    expect(await waitUntilGone([serverPid], 5_000)).toBe(true);
  });

  it('leaves no server running when its owner gets SIGTERM, and the owner still dies of SIGTERM', async () => {
    const { serverPid, ownerSignal } = await serverPidAfterOwnerDies('signal', tmpDir);
    orphanCandidates.push(serverPid);
    expect(ownerSignal).toBe('SIGTERM');
    expect(await waitUntilGone([serverPid], 5_000)).toBe(true);
  });

  it('hooks process exit only while something is running, so listeners do not pile up', async () => {
    const before = process.listenerCount('exit');
    const server = await startNatsServer({ dir: tmpDir });
    expect(process.listenerCount('exit')).toBe(before + 1);
    await server.stop();
    expect(process.listenerCount('exit')).toBe(before);
  });

  it('killAllSpawned() SIGKILLs running servers', async () => {
    const server = await startNatsServer({ dir: tmpDir });
    const pid = server.pid;
    expect(killAllSpawned()).toBeGreaterThanOrEqual(1);
    expect(await waitUntilGone([pid], 5_000)).toBe(true);
    expect(isAlive(pid)).toBe(false);
    await server.stop(); // already dead: resolves at once
    expect(spawnedCount()).toBe(0);
  });
});

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

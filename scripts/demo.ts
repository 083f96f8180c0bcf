/**
 * npm run demo   — local NATS + Postgres under .data/, every service, one idea end to end, dossier in out/.
 * npm start      — the same stack, left running with the API and dashboard on PORT (default 8080);
 *                  SIGTERM, SIGINT or SIGHUP (or its parent, npm, going away) stops everything it started.
 * Options: --idea "<text>"  --target-user "<group>" (repeatable)  --constraint "<text>" (repeatable)
 * IM_DEMO_DATA_DIR moves .data/ elsewhere (tests run several stacks side by side).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MissingBinaryError, startLocalStack, startServices, ServiceStartError, LocalStack, RunningServices } from '@ideamine/devstack';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const values = (name: string) => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]] : []));
const serve = flag('--serve');
const SAMPLE = {
  idea: 'A neighbourhood tool-sharing app that lets residents list tools they own, book tools from neighbours for a few days, and rate each exchange so trust builds over time.',
  targetUsers: ['Homeowners who own rarely used tools', 'Renters who need a tool for a weekend project'],
  constraints: ['Launch in one city first', 'No payments in the first release'],
};
const input = { idea: values('--idea')[0] ?? SAMPLE.idea, targetUsers: values('--idea').length ? values('--target-user') : SAMPLE.targetUsers, constraints: values('--idea').length ? values('--constraint') : SAMPLE.constraints };
const root = resolve(__dirname, '..', '..');
const dataDir = resolve(process.env.IM_DEMO_DATA_DIR ?? join(root, '.data'));
const RUN_TIMEOUT_MS = Number(process.env.IM_DEMO_TIMEOUT_MS ?? 20 * 60_000);

function die(message: string): never {
  console.error(`\ndemo failed: ${message}`);
  process.exit(1);
}

async function api(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer()) };
}

function progressLine(run: any): string {
  const done = run.phases.filter((p: any) => p.status === 'completed').length;
  const running = run.phases.filter((p: any) => !['pending', 'completed'].includes(p.status)).map((p: any) => `${p.phase}(${p.status}${p.progress.total ? ` ${p.progress.done}/${p.progress.total}` : ''})`);
  const width = 26;
  const filled = Math.round((done / Math.max(1, run.phases.length)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${run.phases.length} phases  ${run.status}  ${running.join(' ')}`;
}

async function main() {
  const apiKey = process.env.IM_API_KEYS?.split(',')[0]?.trim() || randomBytes(24).toString('hex');
  const apiKeys = process.env.IM_API_KEYS || apiKey;
  if (!process.env.IM_API_KEYS) console.log(`generated API key (IM_API_KEYS was unset): ${apiKey}`);

  let stack: LocalStack;
  try {
    stack = await startLocalStack({ baseDir: dataDir });
  } catch (err) {
    // Typed dev-stack errors (missing binary, data dir access, a server that would not start) say what to do.
    if (err instanceof MissingBinaryError || typeof (err as { code?: unknown }).code === 'string') die((err as Error).message);
    throw err;
  }
  console.log(`NATS ${stack.natsUrl}   Postgres ${stack.databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
  let services: RunningServices | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = () => (stopping ??= (async () => {
    await services?.stop().catch(() => undefined);
    await stack.stop().catch(() => undefined);
  })());
  const stopOn = (why: string) => {
    if (stopping) return;
    console.log(`\n${why}: stopping every service, NATS and Postgres...`);
    void shutdown().then(() => {
      console.log('stopped');
      process.exit(0);
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stopOn(signal));
  // npm forwards SIGINT and SIGTERM to us but dies of SIGHUP without passing it on; when our
  // parent goes, we are re-parented, and take that as the signal to stop.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stopOn(`parent process ${parent} exited`), 500).unref();
  try {
    const started = Date.now();
    services = await startServices({
      natsUrl: stack.natsUrl, databaseUrl: stack.databaseUrl, apiKeys, logDir: join(dataDir, 'logs'), root,
      env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
      ...(serve ? { ports: { api: Number(process.env.PORT ?? 8080) } } : {}),
    });
    console.log(`${services.instances.length} services ready in ${((Date.now() - started) / 1000).toFixed(1)} s; logs in .data/logs/`);
    if (serve) {
      console.log(`\nDashboard: ${services.apiUrl}/  (sign in with the API key ${apiKey})`);
      console.log(`API:       ${services.apiUrl}/v1  (Authorization: Bearer ${apiKey}); docs ${services.apiUrl}/docs, OpenAPI ${services.apiUrl}/openapi.json`);
      console.log('Services:');
      for (const i of services.instances) {
        const base = `http://127.0.0.1:${i.port}`;
        console.log(`  ${i.service.padEnd(17)} health ${base}/health/ready   metrics ${base}/metrics`);
      }
      console.log(`CLI:       IM_API_URL=${services.apiUrl} IM_API_KEY=${apiKey} npm run cli -- runs list`);
      console.log('Ctrl-C (or SIGTERM / SIGHUP) stops everything.');
      await new Promise(() => undefined);
    }
    const t0 = Date.now();
    const submitted = await api(services.apiUrl, apiKey, 'POST', '/v1/runs', input);
    if (submitted.status !== 202) die(`submit answered ${submitted.status}: ${JSON.stringify(submitted.body)}`);
    const runId = (submitted.body as any).runId;
    console.log(`run ${runId}: "${input.idea.slice(0, 80)}${input.idea.length > 80 ? '...' : ''}"`);
    let last = '';
    let run: any;
    for (;;) {
      if (Date.now() - t0 > RUN_TIMEOUT_MS) die(`run did not finish within ${RUN_TIMEOUT_MS / 60000} min; see .data/logs/`);
      const r = await api(services.apiUrl, apiKey, 'GET', `/v1/runs/${runId}`);
      if (r.status === 200) {
        run = r.body;
        const line = progressLine(run);
        if (line !== last) console.log(line);
        last = line;
        if (run.status === 'failed' || run.status === 'cancelled') die(`run ${run.status}: ${run.reason ?? 'no reason recorded'}`);
        if (run.status === 'completed' && run.dossier) break;
      }
      await new Promise((res) => setTimeout(res, 500));
    }
    const out = join(root, 'out', runId);
    mkdirSync(out, { recursive: true });
    for (const format of ['json', 'html', 'pdf']) {
      const r = await api(services.apiUrl, apiKey, 'GET', `/v1/runs/${runId}/dossier.${format}`);
      if (r.status !== 200) die(`dossier.${format} answered ${r.status}`);
      writeFileSync(join(out, `dossier.${format}`), Buffer.isBuffer(r.body) ? r.body : `${JSON.stringify(r.body, null, 2)}\n`);
    }
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    console.log(`\nrun completed in ${seconds} s: dossier ${run.dossier.version}, ${run.dossier.completeness}% complete${run.dossier.missing.length ? ` (missing: ${run.dossier.missing.join(', ')})` : ''}`);
    console.log(`usage: ${run.usage.tokens} tokens, $${run.usage.usd}`);
    console.log(`wrote out/${runId}/dossier.json, dossier.html, dossier.pdf`);
  } catch (err) {
    await shutdown();
    if (err instanceof ServiceStartError) die(err.message);
    die((err as Error).stack ?? String(err));
  }
  await shutdown();
  process.exit(0);
}

void main();

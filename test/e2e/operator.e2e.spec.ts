import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { EventSource } from 'eventsource';
import SwaggerParser from '@apidevtools/swagger-parser';
import { connect, NatsConnection } from 'nats';
import { STREAMS } from '@ideamine/contracts';
import { readStream } from '@ideamine/jetstream';
import { startServices, RunningServices } from '@ideamine/devstack';
import { useTestInfra } from '../harness';
import { API_KEY, auth, waitFor, waitForRun } from './e2e-helpers';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');
const CJK_IDEA = 'Café buchungs-app für kleine Läden: 咖啡店预订系统，让顾客提前预约座位 ☕🚀';
const SAMPLE = {
  idea: 'A neighbourhood tool-sharing app that lets residents list tools they own, book tools from neighbours for a few days, and rate each exchange so trust builds over time.',
  targetUsers: ['Homeowners who own rarely used tools', 'Renters who need a tool for a weekend project'],
  constraints: ['Launch in one city first', 'No payments in the first release'],
};

/**
 * The operator's surface against the real system (every service a process, real NATS and
 * Postgres): OpenAPI, the error shape, pagination, idempotency, 409s, SSE through a reconnect,
 * the CLI's exit codes, and the dossier as a document.
 */
describe('operator surface: API, SSE, CLI, dossier', () => {
  const infra = useTestInfra();
  let services: RunningServices;
  let api: string;
  let nc: NatsConnection;

  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, IM_API_URL: api, IM_API_KEY: API_KEY, ...env }, timeout: 120_000 });
      return { code: 0, stdout, stderr };
    } catch (err: any) {
      if (typeof err.code !== 'number') throw err;
      return { code: err.code as number, stdout: String(err.stdout), stderr: String(err.stderr) };
    }
  };

  beforeAll(async () => {
    // The real 13 phases, plus a set whose intake gate can never pass (for a failed run).
    const phases = join(infra().tmpDir, 'config', 'phases');
    cpSync(join(ROOT, 'config', 'phases'), phases, { recursive: true });
    const fail = join(infra().tmpDir, 'config', 'phases-fail');
    mkdirSync(fail);
    cpSync(join(ROOT, 'test', 'fixtures', 'phases'), fail, { recursive: true });
    writeFileSync(join(fail, 'intake.yaml'), readFileSync(join(fail, 'intake.yaml'), 'utf8')
      .replace('- { type: schema, field: ideaSpec }', '- { type: schema, field: noSuchArtifact }')
      .replace('gate: { passThreshold: 0.7, autoFix: true, maxAttempts: 3 }', 'gate: { passThreshold: 1, autoFix: false, maxAttempts: 1 }'));
    services = await startServices({
      natsUrl: infra().natsUrl, databaseUrl: infra().databaseUrl, apiKeys: API_KEY, logDir: join(infra().tmpDir, 'logs'),
      env: { IM_PHASES_DIR: phases, LOG_LEVEL: process.env.IM_TEST_LOG_LEVEL ?? 'warn', IM_SSE_HEARTBEAT_MS: '500' },
    });
    api = services.apiUrl;
    nc = await connect({ servers: infra().natsUrl });
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await services?.stop();
  }, 30_000);

  it('publishes a valid OpenAPI 3 document that lists every route the API serves', async () => {
    const spec = (await request(api).get('/openapi.json').expect(200)).body;
    // A real validator: the OpenAPI 3 JSON Schema plus semantic checks (unique operation ids, $refs, path params).
    await expect(SwaggerParser.validate(structuredClone(spec))).resolves.toBeTruthy();
    expect(spec.openapi).toMatch(/^3\./);
    const documented = new Set(Object.entries<any>(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
    // The routes Express actually maps for this API, from the same module the service runs.
    const log = readFileSync(services.instance('api').logFile, 'utf8');
    const served = await routesOf(infra().natsUrl, infra().databaseUrl);
    expect(served.length).toBeGreaterThan(20);
    for (const r of served) expect({ route: r, documented: documented.has(r) }).toEqual({ route: r, documented: true });
    expect(log).not.toMatch(/unhandled API error/);
    const docs = await request(api).get('/docs').expect(200);
    expect(docs.text).toContain('swagger-ui');
    // Served from swagger-ui-dist in node_modules: no script or stylesheet from another host.
    expect(docs.text).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
    expect(docs.headers['content-security-policy']).toMatch(/script-src 'self'/);
  });

  it('answers every error in one shape: validation, auth, not found, size, idempotency, finished runs', async () => {
    const shape = (body: any) => expect(body).toEqual({ error: { code: expect.stringMatching(/^IM_[A-Z_]+$/), message: expect.any(String), details: expect.anything() } });
    const bad = await request(api).post('/v1/runs').set(auth).send({ idea: ' ', colour: 'blue' }).expect(400);
    expect(bad.body.error.code).toBe('IM_VALIDATION');
    expect(bad.body.error.details).toEqual(expect.arrayContaining([{ field: 'colour', reasons: ['property colour should not exist'] }, { field: 'idea', reasons: ['idea should not be empty'] }]));
    const unauth = await request(api).get('/v1/runs').expect(401);
    expect(unauth.body.error.code).toBe('IM_UNAUTHORIZED');
    const missing = await request(api).get('/v1/runs/01890000-0000-7000-8000-000000000001').set(auth).expect(404);
    expect(missing.body.error.code).toBe('IM_NOT_FOUND');
    const big = await request(api).post('/v1/runs').set(auth).send({ idea: 'x'.repeat(70 * 1024) }).expect(413);
    expect(big.body.error.code).toBe('IM_PAYLOAD_TOO_LARGE');
    const json = await request(api).post('/v1/runs').set(auth).set('content-type', 'application/json').send('{"idea": ').expect(400);
    expect(json.body.error.code).toBe('IM_VALIDATION');
    const cursor = await request(api).get('/v1/runs?cursor=garbage').set(auth).expect(400);
    expect(cursor.body.error.details).toEqual([{ field: 'cursor', reason: 'undecodable' }]);
    for (const r of [unauth, missing, big, json, cursor]) shape({ ...r.body, error: { ...r.body.error, details: r.body.error.details ?? 'none' } });

    const first = await request(api).post('/v1/runs').set(auth).set('Idempotency-Key', 'op-e2e-1').send({ idea: 'A habit tracker for runners' }).expect(202);
    const again = await request(api).post('/v1/runs').set(auth).set('Idempotency-Key', 'op-e2e-1').send({ idea: 'A habit tracker for runners' }).expect(202);
    expect(again.body).toMatchObject({ runId: first.body.runId, replayed: true });
    const reused = await request(api).post('/v1/runs').set(auth).set('Idempotency-Key', 'op-e2e-1').send({ idea: 'Something else entirely' }).expect(422);
    expect(reused.body.error).toMatchObject({ code: 'IM_IDEMPOTENCY_MISMATCH', details: { runId: first.body.runId } });

    await waitForRun(api, first.body.runId);
    const late = await request(api).post(`/v1/runs/${first.body.runId}/cancel`).set(auth).send({}).expect(409);
    expect(late.body.error).toMatchObject({ code: 'IM_RUN_FINISHED', message: expect.stringMatching(/is completed/) });
    await request(api).post(`/v1/runs/${first.body.runId}/budget`).set(auth).send({ add: { tokens: 10 } }).expect(409);
    await request(api).post(`/v1/runs/${first.body.runId}/tasks/t-nope/retry`).set(auth).send({}).expect(409);
  }, 120_000);

  it('pages runs, tasks and events with cursors: every row once, in order', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await request(api).post('/v1/runs').set(auth).send({ idea: `A pagination probe number ${i} for a bakery` }).expect(202)).body.runId);
    await Promise.all(ids.map((id) => waitForRun(api, id)));
    const pages = async (path: string, key: string) => {
      const rows: any[] = [];
      let cursor: string | null = null;
      let n = 0;
      do {
        const sep: string = path.includes('?') ? '&' : '?';
        const body: any = (await request(api).get(`${path}${sep}limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`).set(auth).expect(200)).body;
        rows.push(...body[key]);
        cursor = body.nextCursor;
        n++;
      } while (cursor && n < 500);
      return rows;
    };
    const all = await pages('/v1/runs?q=pagination+probe', 'runs');
    expect(all.map((r) => r.runId).sort()).toEqual([...ids].sort());
    const dates = all.map((r) => Date.parse(r.createdAt));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    const tasks = await pages(`/v1/runs/${ids[0]}/tasks`, 'tasks');
    const oneShot = (await request(api).get(`/v1/runs/${ids[0]}/tasks?limit=500`).set(auth).expect(200)).body.tasks;
    expect(tasks.map((t) => t.taskId)).toEqual(oneShot.map((t: any) => t.taskId));
    const events = await pages(`/v1/runs/${ids[0]}/events`, 'events');
    const seqs = events.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(events.map((e) => e.type)).toContain('run.completed');
    const completed = await request(api).get('/v1/runs?status=completed&limit=500').set(auth).expect(200);
    expect(completed.body.runs.every((r: any) => r.status === 'completed')).toBe(true);
    await request(api).get(`/v1/runs?from=${new Date(Date.now() + 3600_000).toISOString()}`).set(auth).expect(200).expect((r) => expect(r.body.runs).toEqual([]));
  }, 180_000);

  it('streams a run over SSE from JetStream, and an EventSource that loses the API mid-run resumes with no gap and no duplicate', async () => {
    const runId = (await request(api).post('/v1/runs').set(auth).send(SAMPLE).expect(202)).body.runId;
    const got: { seq: number; type: string }[] = [];
    let comments = 0;
    const es = new EventSource(`${api}/v1/runs/${runId}/stream`, {
      fetch: async (input, init) => {
        const res = await fetch(input, { ...init, headers: { ...(init?.headers ?? {}), authorization: `Bearer ${API_KEY}` } });
        return res;
      },
    });
    let reconnects = 0;
    es.onopen = () => reconnects++;
    es.onmessage = (m) => got.push({ seq: Number(m.lastEventId), type: JSON.parse(m.data).type });
    try {
      await waitFor('some events', async () => got.length >= 5, 60_000, 50);
      // Drop every connection: kill the API process and start it again on the same port.
      await services.kill('api');
      await new Promise((r) => setTimeout(r, 1000));
      await services.start('api');
      await waitFor('the run to complete on the stream', async () => got.some((g) => g.type === 'dossier.compiled'), 180_000, 200);
    } finally {
      es.close();
    }
    expect(reconnects).toBeGreaterThanOrEqual(2);
    // What JetStream holds for this run, read independently: the SSE client saw exactly that.
    const truth: number[] = [];
    for await (const m of readStream(nc.jetstream(), STREAMS.events, { filterSubject: `im.evt.${runId}.>` })) truth.push(m.seq);
    const seen = got.map((g) => g.seq);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(truth.slice(0, seen.length));
    expect(seen.length).toBeGreaterThan(100);

    // Heartbeats are comments on an idle stream; a bad Last-Event-ID is a clear 400.
    const raw = await fetch(`${api}/v1/runs/${runId}/stream`, { headers: { authorization: `Bearer ${API_KEY}`, 'last-event-id': String(truth[truth.length - 1]) } });
    const reader = raw.body!.getReader();
    const until = Date.now() + 2500;
    let text = '';
    while (Date.now() < until && !/: hb/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    comments = (text.match(/^: hb$/gm) ?? []).length;
    expect(comments).toBeGreaterThanOrEqual(1);
    expect(text).not.toMatch(/^id: /m);
    const bad = await request(api).get(`/v1/runs/${runId}/stream`).set(auth).set('Last-Event-ID', 'yesterday').expect(400);
    expect(bad.body.error.code).toBe('IM_VALIDATION');
    // Read-your-position for live views: a run read after its events were seen includes them.
    const seenBad = await request(api).get(`/v1/runs/${runId}?seenSeq=later`).set(auth).expect(400);
    expect(seenBad.body.error).toMatchObject({ code: 'IM_VALIDATION', message: expect.stringContaining('seenSeq') });
    const readAfter = await request(api).get(`/v1/runs/${runId}?seenSeq=1`).set(auth).expect(200);
    expect(readAfter.body.runId).toBe(runId);
  }, 300_000);

  it('CLI: exit codes 0 completed, 2 failed, 3 paused, 4 cancelled, 1 usage and infrastructure errors; --json and --version', async () => {
    const version = await cli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n` });
    expect((await cli(['runs', 'frobnicate'])).code).toBe(1);
    expect((await cli(['runs', 'list'], { IM_API_KEY: '' })).code).toBe(1);
    const down = await cli(['runs', 'list'], { IM_API_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach the API/);

    const ok = await cli(['submit', 'A recipe box that plans meals for the week', '--wait', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ outcome: 'completed', exitCode: 0 });

    const failed = await cli(['submit', 'A parking spot finder', '--config-set', 'fail', '--wait']);
    expect({ code: failed.code, stderr: failed.stderr }).toMatchObject({ code: 2, stderr: expect.stringMatching(/failed/) });

    const paused = await cli(['submit', 'A plant watering reminder for offices', '--tokens', '3000', '--wait']);
    expect({ code: paused.code, stderr: paused.stderr }).toMatchObject({ code: 3, stderr: expect.stringMatching(/paused: budget exhausted/) });
    const pausedId = paused.stdout.trim();
    expect((await cli(['budget', 'extend', pausedId, '--tokens', '5000000'])).code).toBe(0);
    expect((await cli(['runs', 'watch', pausedId])).code).toBe(0);

    const cancelled = (await request(api).post('/v1/runs').set(auth).send({ idea: 'A dog walking rota for a street' }).expect(202)).body.runId;
    await waitFor('the run to be visible', async () => (await request(api).get(`/v1/runs/${cancelled}`).set(auth)).status === 200, 30_000, 20);
    await request(api).post(`/v1/runs/${cancelled}/cancel`).set(auth).send({ reason: 'changed my mind' }).expect(202);
    const watched = await cli(['runs', 'watch', cancelled]);
    expect(watched.code).toBe(4);

    const list = await cli(['runs', 'list', '--json', '--limit', '2']);
    expect(JSON.parse(list.stdout).runs).toHaveLength(2);
    const show = await cli(['runs', 'show', pausedId, '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ runId: pausedId, status: 'completed' });
    const events = await cli(['events', pausedId, '--type', 'budget.exhausted,budget.extended', '--json']);
    expect(JSON.parse(events.stdout).events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['budget.exhausted', 'budget.extended']));
    const out = join(infra().tmpDir, 'cli-dossier.pdf');
    expect((await cli(['dossier', 'save', pausedId, '--out', out])).code).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    const dlq = await cli(['dlq', 'list', '--json']);
    expect(dlq.code).toBe(0);
    expect(Array.isArray(JSON.parse(dlq.stdout).deadLetters)).toBe(true);
    const refused = await cli(['waiver', 'grant', pausedId, '--phase', 'prd', '--guard', 'coverage', '--reason', 'late']);
    expect({ code: refused.code, stderr: refused.stderr }).toMatchObject({ code: 1, stderr: expect.stringMatching(/IM_RUN_FINISHED/) });
  }, 400_000);

  it('lists dead letters and redrives a command, but not an event', async () => {
    const js = nc.jetstream();
    await js.publish('im.cmd.planner.submit-run', Buffer.from('{"not": "an envelope"'), { msgID: 'op-e2e-bad-cmd' });
    await js.publish('im.evt.r-op-e2e.task.t1', Buffer.from('not json at all'), { msgID: 'op-e2e-bad-evt' });
    const find = async (subject: string) => ((await request(api).get('/v1/dead-letters?limit=500').set(auth).expect(200)).body.deadLetters as any[]).filter((d) => d.sourceSubject === subject);
    const [cmd] = await waitFor('the bad command to be dead-lettered', async () => ((await find('im.cmd.planner.submit-run')).length ? find('im.cmd.planner.submit-run') : undefined), 30_000);
    expect(cmd).toMatchObject({ redrivable: true, reason: expect.stringMatching(/JSON|envelope/i), consumer: expect.any(String) });
    const [evt] = await waitFor('the bad event to be dead-lettered', async () => ((await find('im.evt.r-op-e2e.task.t1')).length ? find('im.evt.r-op-e2e.task.t1') : undefined), 30_000);
    expect(evt.redrivable).toBe(false);
    const redriven = await request(api).post(`/v1/dead-letters/${cmd.seq}/redrive`).set(auth).expect(200);
    expect(redriven.body).toMatchObject({ redriven: true, subject: 'im.cmd.planner.submit-run' });
    // Still not an envelope: the planner refuses it again, as a new dead letter, and keeps running.
    await waitFor('the redriven command to be refused again', async () => (await find('im.cmd.planner.submit-run')).some((d) => d.seq > cmd.seq), 30_000);
    const refused = await request(api).post(`/v1/dead-letters/${evt.seq}/redrive`).set(auth).expect(409);
    expect(refused.body.error.message).toMatch(/only commands/);
    await request(api).post('/v1/dead-letters/999999/redrive').set(auth).expect(404);
    const cliList = await cli(['dlq', 'list']);
    expect(cliList.stdout).toMatch(/im\.evt\.r-op-e2e\.task\.t1/);
    for (const svc of services.instances) expect({ service: svc.service, exit: svc.child.exitCode }).toEqual({ service: svc.service, exit: null });
  }, 120_000);

  it('compiles the dossier as a document: contents, sections, CJK and accents kept, ≤ 30 printed pages for the sample idea', async () => {
    const [cjk, sample] = await Promise.all([CJK_IDEA, SAMPLE.idea].map(async (idea, i) =>
      (await request(api).post('/v1/runs').set(auth).send(i === 0 ? { idea, targetUsers: ['Café owners <script>alert(1)</script>'] } : SAMPLE).expect(202)).body.runId as string));
    await Promise.all([waitForRun(api, cjk), waitForRun(api, sample)]);
    const pdfOf = async (id: string) => {
      const res = await fetch(`${api}/v1/runs/${id}/dossier.pdf`, { headers: { authorization: `Bearer ${API_KEY}` } });
      expect(res.status).toBe(200);
      const file = join(infra().tmpDir, `${id}.pdf`);
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      return file;
    };
    const cjkPdf = await pdfOf(cjk);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', cjkPdf, '-'], { encoding: 'utf8' });
    expect(text).toContain('咖啡店预订系统');
    expect(text).toContain('Café buchungs-app');
    for (const heading of ['Contents', 'Executive summary', 'Cost and timeline', 'Gates and waivers', 'Appendix: provenance', 'User stories']) expect(text).toContain(heading);
    const info = execFileSync('pdfinfo', [await pdfOf(sample)], { encoding: 'utf8' });
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
    expect(pages).toBeLessThanOrEqual(30);
    expect(pages).toBeGreaterThan(5);
    const fonts = execFileSync('pdffonts', [cjkPdf], { encoding: 'utf8' });
    expect(fonts).toMatch(/DejaVuSans/);
    expect(fonts).toMatch(/DroidSansFallback/);
    // Bookmarks: one outline entry per chapter at least.
    const outline = readFileSync(cjkPdf).toString('latin1');
    expect((outline.match(/\/Outlines/g) ?? []).length).toBeGreaterThan(0);

    const html = await request(api).get(`/v1/runs/${cjk}/dossier.html`).set(auth).expect(200);
    expect(html.headers['content-security-policy']).toMatch(/script-src 'none'/);
    expect(html.text).toMatch(/<h1>Café buchungs-app/);
    expect(html.text).toContain('<nav class="toc"');
    expect(html.text).toMatch(/href="#executive-summary"/);
    expect(html.text).not.toContain('<script>alert(1)</script>');
    expect(html.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const json = (await request(api).get(`/v1/runs/${cjk}/dossier.json`).set(auth).expect(200)).body;
    expect(json.title).toMatch(/^Café /);
    expect(json.record.gates.length).toBeGreaterThanOrEqual(13);
  }, 300_000);
});

/** Every controller route of the API module, from an in-process instance wired like the service. */
async function routesOf(natsUrl: string, databaseUrl: string): Promise<string[]> {
  Object.assign(process.env, { NATS_URL: natsUrl, DATABASE_URL: databaseUrl, IM_API_KEYS: API_KEY });
  const { NestFactory } = await import('@nestjs/core');
  const { ApiModule } = await import('../../apps/api/src/api.module');
  const { mappedRoutes } = await import('../../apps/api/src/openapi/route-table');
  const { NATS } = await import('@ideamine/service-kit');
  const { DATA_SOURCE } = await import('../../apps/api/src/tokens');
  const app = await NestFactory.create(ApiModule, { logger: false, bodyParser: false });
  const nats = app.get<any>(NATS, { strict: false });
  const ds = app.get<any>(DATA_SOURCE, { strict: false });
  try {
    await app.init();
    return mappedRoutes(app);
  } finally {
    await app.close();
    await nats?.nc?.close().catch(() => undefined);
    if (ds?.isInitialized) await ds.destroy().catch(() => undefined);
  }
}

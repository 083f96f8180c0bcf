import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { startServices, RunningServices } from '@ideamine/devstack';
import { useTestInfra } from '../harness';
import { API_KEY, auth, waitFor, waitForRun } from './e2e-helpers';

interface FixtureIdea {
  name: string;
  idea: string;
  targetUsers: string[];
  constraints: string[];
}
const ideas: FixtureIdea[] = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'ideas.json'), 'utf8'));
const overlaps = (a: { startedAt: string; finishedAt: string }, b: { startedAt: string; finishedAt: string }) =>
  Date.parse(a.startedAt) < Date.parse(b.finishedAt) && Date.parse(b.startedAt) < Date.parse(a.finishedAt);

/** The product's main job, every service a separate process: idea in, 13 phases, release dossier out. */
describe('full 13-phase runs', () => {
  const infra = useTestInfra();
  let services: RunningServices;
  let api: string;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    // A private copy of config/phases, with a sibling config set whose intake uses other agents.
    const phasesDir = join(infra().tmpDir, 'config', 'phases');
    cpSync(join(__dirname, '..', '..', 'config', 'phases'), phasesDir, { recursive: true });
    const swap = join(infra().tmpDir, 'config', 'phases-swap');
    mkdirSync(swap);
    writeFileSync(join(swap, 'intake.yaml'), readFileSync(join(phasesDir, 'intake.yaml'), 'utf8').replace('agents: [IdeaParserAgent, ConstraintExtractorAgent]', 'agents: [IdeaParserAgent, PersonaAgent]'));
    services = await startServices({
      natsUrl: infra().natsUrl, databaseUrl: infra().databaseUrl, apiKeys: API_KEY, logDir: join(infra().tmpDir, 'logs'),
      env: { IM_PHASES_DIR: phasesDir, LOG_LEVEL: 'info', IM_WORKER_CONCURRENCY: '8' },
    });
    api = services.apiUrl;
  }, 120_000);

  afterAll(async () => {
    await services?.stop();
    console.log(`full-run wall times (s): ${JSON.stringify(timings)}`);
  }, 30_000);

  it('completes every fixture idea with security and story-loop overlapping, and dossiers that differ', async () => {
    const t0 = Date.now();
    const runIds = await Promise.all(ideas.map(async (i) => (await request(api).post('/v1/runs').set(auth).send({ idea: i.idea, targetUsers: i.targetUsers, constraints: i.constraints }).expect(202)).body.runId as string));
    const runs = await Promise.all(runIds.map((id) => waitForRun(api, id, ['completed'], 600_000)));
    timings.sevenIdeasConcurrently = (Date.now() - t0) / 1000;
    const dossiers = [];
    for (const [i, run] of runs.entries()) {
      expect(run.phases).toHaveLength(13);
      expect(run.phases.every((p: { status: string }) => p.status === 'completed')).toBe(true);
      const byName = Object.fromEntries(run.phases.map((p: { phase: string }) => [p.phase, p]));
      expect({ idea: ideas[i].name, overlap: overlaps(byName.security, byName['story-loop']) }).toEqual({ idea: ideas[i].name, overlap: true });
      expect(run.levels).toContainEqual(['security', 'story-loop']);
      const d = (await request(api).get(`/v1/runs/${run.runId}/dossier.json`).set(auth).expect(200)).body;
      // Complete, or it names what is missing.
      if (d.completeness < 100) expect(d.missing.length).toBeGreaterThan(0);
      else expect(d.missing).toEqual([]);
      expect(Object.keys(d.categories).sort()).toEqual(['code', 'deployment', 'product', 'quality', 'security']);
      expect(d.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(d.signature.value).toMatch(/^[0-9a-f]{64}$/);
      dossiers.push(d);
    }
    const artifact = (d: any, category: string, key: string) => JSON.stringify(d.categories[category].find((a: { key: string }) => a.key === key)?.content);
    for (const key of [['product', 'stories'], ['code', 'openapi'], ['security', 'sbom'], ['security', 'threatModel'], ['deployment', 'releaseNotes']] as const) {
      const contents = dossiers.map((d) => artifact(d, key[0], key[1]));
      expect({ key, distinct: new Set(contents).size }).toEqual({ key, distinct: ideas.length });
    }
    const healthcare = dossiers[ideas.findIndex((i) => i.name === 'telehealth')];
    expect(JSON.stringify(healthcare.categories.product)).toMatch(/HIPAA/);
    const pdf = await request(api).get(`/v1/runs/${runIds[0]}/dossier.pdf`).set(auth).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
  }, 900_000);

  it('gives identical evidence packs when the same idea runs twice', async () => {
    const body = { idea: ideas[0].idea, targetUsers: ideas[0].targetUsers, constraints: ideas[0].constraints };
    const [a, b] = await Promise.all([1, 2].map(async () => (await request(api).post('/v1/runs').set(auth).send(body).expect(202)).body.runId as string));
    const [ra, rb] = await Promise.all([waitForRun(api, a), waitForRun(api, b)]);
    const packs = (run: any) => run.phases.map((p: any) => [p.phase, p.gateAttempts]);
    expect(packs(ra)).toEqual(packs(rb));
    const packsOf = async (id: string) => {
      const out: Record<string, string> = {};
      // Envelopes as published, paginated by stream sequence: follow nextCursor to the end.
      let cursor: string | null = null;
      do {
        const page: { events: any[]; nextCursor: string | null } = (await request(api).get(`/v1/runs/${id}/events`).set(auth).query(cursor ? { cursor } : {}).expect(200)).body;
        for (const e of page.events) if (e.type === 'phase.aggregated') out[`${e.payload.phase}#${e.payload.gateAttempt}`] = e.payload.evidencePack.sha256;
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    };
    const [pa, pb] = await Promise.all([packsOf(a), packsOf(b)]);
    expect(Object.keys(pa)).toHaveLength(13);
    expect(pb).toEqual(pa);
  }, 300_000);

  it('runs the agents the YAML names: swapping an agent in config changes which agent ran', async () => {
    const tasksOf = async (runId: string) => (await request(api).get(`/v1/runs/${runId}/tasks`).set(auth).expect(200)).body.tasks.filter((t: { phase: string }) => t.phase === 'intake').map((t: { agent: string }) => t.agent).sort();
    const swapped = (await request(api).post('/v1/runs').set(auth).send({ idea: ideas[1].idea, configSet: 'swap' }).expect(202)).body.runId;
    await waitFor('intake to finish in the swapped run', async () => {
      const r = await request(api).get(`/v1/runs/${swapped}`).set(auth);
      return r.status === 200 && r.body.phases.find((p: { phase: string; status: string }) => p.phase === 'intake')?.status === 'completed';
    }, 120_000);
    expect(await tasksOf(swapped)).toEqual(['IdeaParserAgent', 'PersonaAgent']);
    const normal = (await request(api).post('/v1/runs').set(auth).send({ idea: ideas[1].idea }).expect(202)).body.runId;
    await waitForRun(api, normal);
    expect(await tasksOf(normal)).toEqual(['ConstraintExtractorAgent', 'IdeaParserAgent']);
    // Clean-up; a run that finished meanwhile answers 409 IM_RUN_FINISHED instead.
    const cancel = await request(api).post(`/v1/runs/${swapped}/cancel`).set(auth).send({ reason: 'test done' });
    expect([202, 409]).toContain(cancel.status);
  }, 300_000);

  it('pauses with budget.exhausted when the budget is too small, and completes after it is extended', async () => {
    const t0 = Date.now();
    const runId = (await request(api).post('/v1/runs').set(auth).send({ idea: ideas[2].idea, targetUsers: ideas[2].targetUsers, budget: { tokens: 4000, usd: 5, toolMinutes: 600, wallclockMinutes: 600 } }).expect(202)).body.runId;
    const paused = await waitForRun(api, runId, ['paused'], 120_000);
    expect(paused.reason).toMatch(/budget exhausted/);
    const events = (await request(api).get(`/v1/runs/${runId}/events`).set(auth)).body.events;
    const exhausted = events.find((e: { type: string }) => e.type === 'budget.exhausted');
    expect(exhausted.payload).toMatchObject({ dimension: 'tokens' });
    expect(['run', 'phase', 'agent']).toContain(exhausted.payload.scope);
    await request(api).post(`/v1/runs/${runId}/budget`).set(auth).send({ add: { tokens: 2_000_000 } }).expect(202);
    const done = await waitForRun(api, runId, ['completed'], 300_000);
    expect(done.budget.tokens).toBe(2_004_000);
    timings.budgetPauseAndResume = (Date.now() - t0) / 1000;
  }, 400_000);

  it('escapes XSS payloads from the idea in the HTML dossier and serves it with a strict CSP', async () => {
    const payloads = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "'><svg onload=alert(3)>", 'javascript:alert(4)'];
    const runId = (await request(api).post('/v1/runs').set(auth).send({ idea: `A note-taking app for students ${payloads[0]} that syncs notes ${payloads[1]}`, targetUsers: [payloads[2]], constraints: [payloads[3]] }).expect(202)).body.runId;
    await waitForRun(api, runId);
    const res = await request(api).get(`/v1/runs/${runId}/dossier.html`).set(auth).expect(200);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'.*script-src 'none'/);
    const html: string = res.text;
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<svg/i);
    expect(html).not.toMatch(/<[^>]+\son\w+=/i);
  }, 300_000);
});

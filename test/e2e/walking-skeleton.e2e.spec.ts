import { join } from 'node:path';
import request from 'supertest';
import { connect, NatsConnection } from 'nats';
import { startServices, RunningServices } from '@ideamine/devstack';
import { useTestInfra } from '../harness';
import { API_KEY, auth, checksumsFromScratch, deadLetters, lastEventSeq, liveChecksums, waitFor, waitForRun } from './e2e-helpers';

/**
 * Every service as its own process against private nats-server and Postgres; the API is driven over
 * HTTP. The DAG (test/fixtures/phases) is intake -> (ideation || critique) -> bizdev.
 */
describe('walking skeleton: all services, real NATS and Postgres', () => {
  const infra = useTestInfra();
  let services: RunningServices;
  let api: string;
  let nc: NatsConnection;

  beforeAll(async () => {
    services = await startServices({
      natsUrl: infra().natsUrl,
      databaseUrl: infra().databaseUrl,
      apiKeys: API_KEY,
      logDir: join(infra().tmpDir, 'logs'),
      env: { IM_PHASES_DIR: join(__dirname, '..', 'fixtures', 'phases'), LOG_LEVEL: 'info' },
    });
    api = services.apiUrl;
    nc = await connect({ servers: infra().natsUrl });
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await services?.stop();
  }, 30_000);

  it('serves health without a key and refuses everything else without one', async () => {
    await request(api).get('/health/live').expect(200);
    await request(api).get('/health/ready').expect(200).expect((r) => expect(r.body.checks).toEqual({ nats: 'ok', postgres: 'ok' }));
    await request(api).post('/v1/runs').send({ idea: 'x' }).expect(401);
    await request(api).get('/v1/runs').set({ Authorization: 'Bearer wrong' }).expect(401);
  });

  it('rejects bad bodies with the field and the reason', async () => {
    const unknown = await request(api).post('/v1/runs').set(auth).send({ idea: 'A todo app', colour: 'blue' }).expect(400);
    expect(unknown.body.error.message).toMatch(/property colour should not exist/);
    const empty = await request(api).post('/v1/runs').set(auth).send({ idea: '   ', targetUsers: 'everyone' }).expect(400);
    expect(empty.body.error.message).toMatch(/idea should not be empty/);
    expect(empty.body.error.message).toMatch(/targetUsers must be an array/);
    await request(api).post('/v1/runs').set(auth).set('content-type', 'application/json').send('{"idea": ').expect(400);
    await request(api).post('/v1/runs').set(auth).send({ idea: 'x'.repeat(70 * 1024) }).expect(413);
    await request(api).get('/v1/runs/not-a-uuid').set(auth).expect(400);
  });

  it('runs an idea through the DAG while the projector is killed mid-run; read models equal a replay from scratch', async () => {
    const submitted = await request(api).post('/v1/runs').set(auth).send({ idea: 'A shared grocery list for flatmates that splits costs and reminds people to restock', targetUsers: ['Flatmates'], constraints: ['Mobile first'] }).expect(202);
    const runId: string = submitted.body.runId;
    await waitFor('the run to be projected', async () => (await request(api).get(`/v1/runs/${runId}`).set(auth)).status === 200);
    await services.kill('ledger-projector');
    await new Promise((r) => setTimeout(r, 1500));
    await services.start('ledger-projector');

    const run = await waitForRun(api, runId);
    expect(run.phases.map((p: { phase: string; status: string }) => `${p.phase}:${p.status}`)).toEqual(['intake:completed', 'critique:completed', 'ideation:completed', 'bizdev:completed']);
    expect(run.criticalPath[0]).toBe('intake');
    expect(run.levels).toEqual([['intake'], ['critique', 'ideation'], ['bizdev']]);
    expect(run.usage.tokens).toBeGreaterThan(0);
    const dossier = await request(api).get(`/v1/runs/${runId}/dossier.json`).set(auth).expect(200);
    expect(dossier.body).toMatchObject({ runId, format: 'ideamine.dossier/v1' });
    expect(dossier.body.categories.product.map((a: { key: string }) => a.key)).toContain('ideaSpec');
    const tasks = await request(api).get(`/v1/runs/${runId}/tasks`).set(auth).expect(200);
    expect(tasks.body.tasks.length).toBeGreaterThanOrEqual(11);
    expect(tasks.body.tasks.every((t: { status: string }) => t.status === 'succeeded')).toBe(true);

    const tip = await lastEventSeq(nc);
    const live = await waitFor('the projector to catch up', async () => {
      const l = await liveChecksums(infra().databaseUrl);
      return l.position === tip && (await lastEventSeq(nc)) === tip ? l : undefined;
    });
    const replayed = await checksumsFromScratch(infra().natsUrl, await infra().createDatabase('replay_from_scratch'));
    expect(replayed).toEqual(live.checksums);
  }, 240_000);

  it('refuses an invalid phase configuration with the file, field and reason, and keeps running', async () => {
    const submitted = await request(api).post('/v1/runs').set(auth).send({ idea: 'A habit tracker', configSet: 'broken' }).expect(202);
    const letter = await waitFor('a dead letter for the refused run', async () => (await deadLetters(infra().natsUrl)).find((d) => d.body.includes(submitted.body.runId)), 30_000);
    expect(letter.reason).toMatch(/phases-broken\/prd\.yaml: parallelism: parallelism must be one of sequential, parallel, iterative/);
    expect(letter.subject).toBe('im.cmd.planner.submit-run');
    await request(api).get(`/v1/runs/${submitted.body.runId}`).set(auth).expect(404);
  });

  it('dead-letters malformed and unknown messages on event subjects and keeps working', async () => {
    const js = nc.jetstream();
    await js.publish('im.evt.r-garbage.task.t1', Buffer.from('definitely not json'), { msgID: 'garbage-1' });
    await js.publish('im.evt.r-garbage.phase.p1', Buffer.from(JSON.stringify({ type: 'phase.exploded', id: 'x' })), { msgID: 'garbage-2' });
    const letters = await waitFor('dead letters for both', async () => {
      const dl = await deadLetters(infra().natsUrl);
      const a = dl.find((d) => d.subject === 'im.evt.r-garbage.task.t1');
      const b = dl.find((d) => d.subject === 'im.evt.r-garbage.phase.p1');
      return a && b ? [a, b] : undefined;
    }, 30_000);
    expect(letters[0].reason).toMatch(/not JSON/);
    expect(letters[1].reason).toMatch(/bad envelope/);
    const again = await request(api).post('/v1/runs').set(auth).send({ idea: 'A booking page for a small yoga studio with waitlists' }).expect(202);
    await waitForRun(api, again.body.runId);
    for (const svc of services.instances) expect(svc.child.exitCode).toBeNull();
  }, 180_000);
});

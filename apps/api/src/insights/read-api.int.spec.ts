import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { connect, NatsConnection } from 'nats';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { loadJetStreamSpec, provisionJetStream, readStream } from '@ideamine/jetstream';
import { decodeStreamMessage, listRunEvents, projectStream, ReadModelProjector } from '@ideamine/persistence';
import { useTestInfra } from '../../../../test/harness';
import { generateWorkload, migratedDataSource, publishMessages } from '../../../../libs/persistence/src/testing';

const ROOT = join(__dirname, '..', '..', '..', '..');
const KEY = 'read-api-spec-key-0123456789';
const auth = { Authorization: `Bearer ${KEY}` };

/** The published JSON Schemas, as a third party would use them (proto-events/schemas). */
function protoEventValidators(): (type: string) => ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const cache = new Map<string, ValidateFunction>();
  return (type) => {
    let v = cache.get(type);
    if (!v) cache.set(type, (v = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'proto-events', 'schemas', 'events', `${type}.v1.json`), 'utf8')))));
    return v;
  };
}

/** The API's read endpoints over a realistic workload: envelopes as published, cursors, insights. */
describe('read API', () => {
  const infra = useTestInfra();
  let app: INestApplication;
  let nc: NatsConnection;
  let ds: DataSource;
  const workload = generateWorkload({ runs: 4, seed: 21, faults: true });
  const runIds = [...new Set(workload.map((m) => m.runId))];
  /** Each run's messages as the stream holds them, in stream order (the source of truth). */
  const published = new Map<string, unknown[]>();

  beforeAll(async () => {
    nc = await connect({ servers: infra().natsUrl });
    await provisionJetStream(await nc.jetstreamManager(), nc.jetstream(), loadJetStreamSpec(join(ROOT, 'deploy', 'nats', 'jetstream.yaml')));
    await publishMessages(nc.jetstream(), workload);
    ds = await migratedDataSource(infra().databaseUrl);
    await projectStream(nc.jetstream(), new ReadModelProjector(ds));
    const seen = new Set<string>();
    const info = await (await nc.jetstreamManager()).streams.info('IM_EVENTS');
    if (info.state.messages !== workload.length) throw new Error(`stream holds ${info.state.messages} of ${workload.length} messages`);
    for await (const m of readStream(nc.jetstream(), 'IM_EVENTS')) {
      if (decodeStreamMessage({ seq: m.seq, subject: m.subject, data: m.data }).kind !== 'event') continue;
      const env = JSON.parse(Buffer.from(m.data).toString('utf8'));
      if (seen.has(env.id)) continue;
      seen.add(env.id);
      published.set(env.runId, [...(published.get(env.runId) ?? []), env]);
    }
    Object.assign(process.env, { NATS_URL: infra().natsUrl, DATABASE_URL: infra().databaseUrl, IM_API_KEYS: KEY, LOG_LEVEL: 'silent' });
    // Imported only now: the module reads its configuration from the environment when loaded.
    const { ApiModule } = await import('../api.module');
    const { NestFactory } = await import('@nestjs/core');
    const { ValidationPipe } = await import('@nestjs/common');
    app = await NestFactory.create(ApiModule, { logger: false });
    // Wired like main.ts: validation errors and the one error shape.
    const { ApiErrorFilter } = await import('../errors/error.filter');
    const { validationError } = await import('../errors/validation');
    const { createLogger } = await import('@ideamine/telemetry');
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, exceptionFactory: validationError }));
    app.useGlobalFilters(new ApiErrorFilter(createLogger('api', 'silent')));
    await app.init();
    // The lazily initialised data source of the API.
    for (let i = 0; i < 50 && (await request(app.getHttpServer()).get('/health/ready')).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  }, 60_000);
  afterAll(async () => {
    // The API's own connections (the service closes them on SIGTERM, not on app.close()).
    const { NATS } = await import('@ideamine/service-kit');
    const { DATA_SOURCE } = await import('../tokens');
    await app?.get<{ nc: NatsConnection }>(NATS).nc.close();
    await app?.get<DataSource>(DATA_SOURCE).destroy().catch(() => undefined);
    await app?.close();
    await ds?.destroy();
    await nc?.close();
  });

  const get = (path: string) => request(app.getHttpServer()).get(path).set(auth);

  it('listRunEvents gives the envelopes exactly as published, valid against proto-events, page by page by stream sequence', async () => {
    const validate = protoEventValidators();
    for (const runId of runIds) {
      const got: any[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await listRunEvents(ds, runId, { limit: 37, cursor: cursor ?? undefined });
        got.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(Math.ceil(published.get(runId)!.length / 37) + (published.get(runId)!.length % 37 === 0 ? 1 : 0));
      expect(got).toEqual(published.get(runId));
      for (const env of got) {
        const v = validate(env.type);
        if (!v(env)) throw new Error(`${env.type} ${env.id} fails proto-events: ${JSON.stringify(v.errors)}`);
      }
    }
  });

  it('GET /v1/runs/:id/events serves every event of the run once, in stream order, with its content intact, following nextCursor', async () => {
    for (const runId of runIds) {
      const got: any[] = [];
      let cursor: string | null = null;
      do {
        const r = await get(`/v1/runs/${runId}/events?limit=37${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(r.status).toBe(200);
        got.push(...r.body.events);
        cursor = r.body.nextCursor;
      } while (cursor);
      const strip = (e: any) => ({ id: e.id, type: e.type, runId: e.runId, aggregateId: e.aggregateId, occurredAt: e.occurredAt, producer: e.producer, causationId: e.causationId, correlationId: e.correlationId, payload: e.payload });
      expect(got.map(strip)).toEqual((published.get(runId) as any[]).map(strip));
      expect(got.map((e) => e.seq)).toEqual([...got.map((e) => e.seq)].sort((a, b) => a - b));
    }
  });

  it('refuses a bad cursor or limit with 400', async () => {
    expect((await get(`/v1/runs/${runIds[0]}/events?cursor=abc`)).status).toBe(400);
    expect((await get(`/v1/runs?cursor=nonsense`)).status).toBe(400);
    expect((await get(`/v1/runs/${runIds[0]}/tasks?limit=0`)).status).toBe(400);
    expect((await get(`/v1/runs/${runIds[0]}/timeline?cursor=x1`)).status).toBe(400);
  });

  it('lists every run and every task of a run with cursors', async () => {
    const runs: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await get(`/v1/runs?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      runs.push(...r.body.runs.map((x: { runId: string }) => x.runId));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(runs.sort()).toEqual([...runIds].sort());
    const tasks: string[] = [];
    cursor = null;
    do {
      const r = await get(`/v1/runs/${runIds[1]}/tasks?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      tasks.push(...r.body.tasks.map((t: { taskId: string }) => t.taskId));
      cursor = r.body.nextCursor;
    } while (cursor);
    const scheduled = (published.get(runIds[1]) as any[]).filter((e) => e.type === 'task.scheduled').map((e) => e.payload.taskId);
    expect([...tasks].sort()).toEqual([...new Set(scheduled)].sort());
  });

  it('serves costs, gate history, timeline and phase performance from the views', async () => {
    const runId = runIds[0];
    const events = published.get(runId) as any[];
    const paid = events.filter((e) => e.type === 'task.succeeded' && !e.payload.replayed);
    const costs = await get(`/v1/runs/${runId}/cost-breakdown`);
    expect(costs.status).toBe(200);
    expect(costs.body.total.tasks).toBe(paid.length);
    expect(costs.body.total.tokens).toBe(paid.reduce((a, e) => a + e.payload.usage.tokens, 0));
    expect(costs.body.breakdown.reduce((a: number, l: { tasks: number }) => a + l.tasks, 0)).toBe(paid.length);
    const gates = await get(`/v1/runs/${runId}/gate-history`);
    expect(gates.body.history).toHaveLength(new Set(events.filter((e) => e.type === 'gate.evaluated').map((e) => `${e.payload.phase}/${e.payload.gateAttempt}`)).size);
    const timeline = await get(`/v1/runs/${runId}/timeline?limit=1000`);
    expect(timeline.body.entries.map((e: { type: string }) => e.type)).toEqual(events.map((e) => e.type));
    expect(timeline.body.entries[0].sinceStartMs).toBe(0);
    const perf = await get(`/v1/insights/phase-performance`);
    expect(perf.body.phases.map((p: { phase: string }) => p.phase)).toEqual(expect.arrayContaining(['intake', 'prd']));
    const gateRates = await get(`/v1/insights/gates`);
    expect(gateRates.body.phases.length).toBeGreaterThan(0);
    expect((await get(`/v1/runs/01900000-0000-7000-8000-000000000000/cost-breakdown`)).status).toBe(404);
    expect((await request(app.getHttpServer()).get(`/v1/insights/gates`)).status).toBe(401);
  });
});

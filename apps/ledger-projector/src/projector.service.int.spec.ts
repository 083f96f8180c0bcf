import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { connect, NatsConnection } from 'nats';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { STREAMS } from '@ideamine/contracts';
import { loadJetStreamSpec, provisionJetStream } from '@ideamine/jetstream';
import { projectStream, readModelChecksums, ReadModelProjector, replayReadModels } from '@ideamine/persistence';
import { metricsRegistry } from '@ideamine/telemetry';
import { useTestInfra } from '../../../test/harness';
import { EventScript, generateWorkload, migratedDataSource, publishMessages } from '../../../libs/persistence/src/testing';

const ROOT = join(__dirname, '..', '..', '..');

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The ledger-projector service in-process against real NATS and Postgres. */
describe('ProjectorService', () => {
  const infra = useTestInfra();
  let app: INestApplication;
  let nc: NatsConnection;
  let ds: DataSource;
  const position = async () => Number((await ds.query(`SELECT min(last_seq) AS s FROM rm.checkpoint`))[0].s);
  const lastSeq = async () => (await (await nc.jetstreamManager()).streams.info(STREAMS.events)).state.last_seq;
  const ready = () => request(app.getHttpServer()).get('/health/ready');
  const metric = async (name: string) => (await metricsRegistry.getSingleMetric(name)?.get())?.values ?? [];

  beforeAll(async () => {
    nc = await connect({ servers: infra().natsUrl });
    await provisionJetStream(await nc.jetstreamManager(), nc.jetstream(), loadJetStreamSpec(join(ROOT, 'deploy', 'nats', 'jetstream.yaml')));
    ds = await migratedDataSource(infra().databaseUrl);
    Object.assign(process.env, {
      NATS_URL: infra().natsUrl, DATABASE_URL: infra().databaseUrl, LOG_LEVEL: 'silent',
      IM_PROJECTOR_FLUSH_MS: '500', IM_PROJECTOR_CHECK_MS: '300', IM_PROJECTOR_POISON_RETRY_MS: '200',
    });
    const { ProjectorModule } = await import('./projector.module');
    const { NestFactory } = await import('@nestjs/core');
    app = await NestFactory.create(ProjectorModule, { logger: false });
    await app.init();
  }, 60_000);
  afterAll(async () => {
    const { NATS } = await import('@ideamine/service-kit');
    const { DATA_SOURCE } = await import('./tokens');
    await app?.close();
    await app?.get<{ nc: NatsConnection }>(NATS).nc.close();
    await app?.get<DataSource>(DATA_SOURCE).destroy().catch(() => undefined);
    await ds?.destroy();
    await nc?.close();
  });

  it('projects what is published, in few batches (size or timer, not every catch-up), equal to a projection from scratch', async () => {
    const workload = generateWorkload({ runs: 5, seed: 33, faults: true });
    await publishMessages(nc.jetstream(), workload);
    const end = await lastSeq();
    await until('the projector to catch up', async () => (await position()) === end);
    const batches = (await metric('im_projector_batch_messages')).find((v) => (v as { metricName?: string }).metricName === 'im_projector_batch_messages_count')!.value;
    expect(batches).toBeLessThanOrEqual(20);
    const outcomes = Object.fromEntries((await metric('im_projector_events_total')).map((v) => [v.labels.outcome, v.value]));
    expect(outcomes).toMatchObject({ applied: workload.filter((m) => m.kind === 'event').length, unknown_type: workload.filter((m) => m.kind === 'unknown').length, rejected: workload.filter((m) => m.kind === 'invalid').length });
    const fresh = await migratedDataSource(await infra().createDatabase('projector_fresh'));
    try {
      await projectStream(nc.jetstream(), new ReadModelProjector(fresh));
      expect(await readModelChecksums(ds)).toEqual(await readModelChecksums(fresh));
    } finally {
      await fresh.destroy();
    }
    expect((await ready()).status).toBe(200);
  });

  it('raises an alarm instead of skipping when the stream went backwards, and carries on once rebuilt from the new stream', async () => {
    const before = await position();
    const jsm = await nc.jetstreamManager();
    // The stream is replaced by a shorter one (restored from an old backup, recreated by mistake).
    await jsm.streams.delete(STREAMS.events);
    await provisionJetStream(jsm, nc.jetstream(), loadJetStreamSpec(join(ROOT, 'deploy', 'nats', 'jetstream.yaml')));
    const replacement = generateWorkload({ runs: 1, seed: 34, phases: 3 });
    await publishMessages(nc.jetstream(), replacement);
    const alarm = await until('the readiness check to fail', async () => {
      const r = await ready();
      return r.status === 503 ? r.body : undefined;
    });
    expect(JSON.stringify(alarm)).toMatch(/stream_regressed.*checkpoint at seq \d+, stream ends at \d+/);
    expect((await metric('im_projector_alarm')).find((v) => v.labels.alarm === 'stream_regressed')?.value).toBe(1);
    expect(await position()).toBe(before); // nothing of the new stream was mixed in
    // The operator rebuilds the read models from the stream as it is now.
    await replayReadModels(ds, nc.jetstream(), jsm);
    await until('the alarm to clear', async () => (await ready()).status === 200);
    const more = generateWorkload({ runs: 1, seed: 35, phases: 2, startTime: Date.UTC(2026, 2, 1) });
    await publishMessages(nc.jetstream(), more);
    const end = await lastSeq();
    await until('the projector to follow the new stream', async () => (await position()) === end);
    expect(end).toBe(replacement.length + more.length);
  });

  it('stops at a poison event with an alarm naming it, and does not skip past it', async () => {
    const s = new EventScript();
    s.add('run.started', '_', {});
    s.add('task.claimed', 'tp', { taskId: 'tp', phase: 'intake', agent: 'IdeaParserAgent', attempt: 5_000_000_000, workerId: 'w', leaseMs: 1, resumedFromStep: 0 });
    s.add('run.started', '_', {});
    const start = await lastSeq();
    for (const m of s.messages()) await nc.jetstream().publish(m.subject, m.data, { msgID: m.msgId });
    const body = await until('the poison alarm', async () => {
      const r = await ready();
      return r.status === 503 ? r.body : undefined;
    });
    expect(JSON.stringify(body)).toContain(`poison_event: event at stream seq ${start + 2} (task.claimed`);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await position()).toBe(start + 1);
  });
});

import { connect, NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { envelopeEvent, newEvent, STREAMS, uuidv7 } from '@ideamine/contracts';
import { loadJetStreamSpec, provisionJetStream, publishEnvelope, readStream } from '@ideamine/jetstream';
import { createDataSource, migrate, projectStream, ReadModelProjector, readModelChecksums, rebuildReadModels, verifyLedger } from '@ideamine/persistence';
import { join } from 'node:path';
import { useTestInfra } from '../harness';

const producer = { service: 'test', version: '0', instance: 'jest' };

/** The projector's guarantees against real NATS and Postgres: exactly once, tamper-evident, rebuildable. */
describe('read-model projection', () => {
  const infra = useTestInfra();
  let nc: NatsConnection;
  let ds: DataSource;

  beforeAll(async () => {
    nc = await connect({ servers: infra().natsUrl });
    await provisionJetStream(await nc.jetstreamManager(), nc.jetstream(), loadJetStreamSpec(join(__dirname, '..', '..', 'deploy', 'nats', 'jetstream.yaml')));
    ds = await createDataSource(infra().databaseUrl).initialize();
    await migrate(ds);
    const runId = uuidv7();
    const cause = { id: uuidv7(), correlationId: uuidv7(), runId };
    const events = [
      newEvent('run.requested', '_', { input: { idea: 'A plant watering reminder', targetUsers: [], constraints: [] }, budget: { tokens: 1000, usd: 1, toolMinutes: 1, wallclockMinutes: 10 }, configSet: 'default', phases: [] }),
      newEvent('run.started', '_', {}),
      newEvent('run.paused', '_', { reason: 'ops' }),
      newEvent('run.resumed', '_', { reason: 'ops' }),
    ];
    for (const [i, e] of events.entries()) {
      const { subject, envelope } = envelopeEvent(e, cause, producer, i);
      await publishEnvelope(nc.jetstream(), 'evt', subject, envelope);
    }
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    await nc?.close();
  });

  const allMessages = async () => {
    const out = [];
    for await (const m of readStream(nc.jetstream(), STREAMS.events)) out.push({ seq: m.seq, subject: m.subject, data: m.data });
    return out;
  };

  it('applies each event exactly once, however often a batch is delivered', async () => {
    const projector = new ReadModelProjector(ds);
    const batch = await allMessages();
    const first = await projector.applyBatch(batch);
    expect(first.applied).toBe(4);
    const before = await readModelChecksums(ds);
    const again = await projector.applyBatch(batch);
    expect(again).toMatchObject({ applied: 0, skipped: 4 });
    expect(await readModelChecksums(ds)).toEqual(before);
    expect((await ds.query('SELECT status FROM rm.runs'))[0].status).toBe('running');
  });

  it('refuses edits to the ledger, and verify finds a one-byte change made behind its back', async () => {
    expect(await verifyLedger(ds)).toMatchObject({ ok: true, checked: 4 });
    await expect(ds.query(`UPDATE rm.ledger SET type = 'x' WHERE seq = 2`)).rejects.toThrow(/append-only/);
    await expect(ds.query(`DELETE FROM rm.ledger WHERE seq = 2`)).rejects.toThrow(/append-only/);
    // A superuser can disable the trigger; the hash chain still gives the edit away.
    const row = (await ds.query(`SELECT payload FROM rm.events WHERE seq = 3`))[0];
    const edited = { ...row.payload, reason: 'opz' };
    await ds.query(`UPDATE rm.events SET payload = $1 WHERE seq = 3`, [JSON.stringify(edited)]);
    const verdict = await verifyLedger(ds);
    expect(verdict).toMatchObject({ ok: false, firstBadSeq: 3 });
    expect(verdict.reason).toMatch(/payload of seq 3/);
    await ds.query(`UPDATE rm.events SET payload = $1 WHERE seq = 3`, [JSON.stringify(row.payload)]);
    await ds.query(`ALTER TABLE rm.ledger DISABLE TRIGGER ledger_no_update`);
    await ds.query(`UPDATE rm.ledger SET hash = overlay(hash placing 'f' from 1 for 1) WHERE seq = 2`);
    await ds.query(`ALTER TABLE rm.ledger ENABLE TRIGGER ledger_no_update`);
    expect(await verifyLedger(ds)).toMatchObject({ ok: false, firstBadSeq: expect.any(Number) });
  });

  it('rebuild replays the stream into a fresh schema and swaps it in, equal to a clean projection', async () => {
    // The previous test corrupted the live ledger; a rebuild from the stream repairs it.
    const { lastSeq } = await rebuildReadModels(ds, nc.jetstream());
    expect(lastSeq).toBe(4);
    expect(await verifyLedger(ds)).toMatchObject({ ok: true, checked: 4 });
    const fresh = await createDataSource(await infra().createDatabase('projection_fresh')).initialize();
    try {
      await migrate(fresh);
      await projectStream(nc.jetstream(), new ReadModelProjector(fresh));
      expect(await readModelChecksums(ds)).toEqual(await readModelChecksums(fresh));
    } finally {
      await fresh.destroy();
    }
    expect((await ds.query(`SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name IN ('rm_next', 'rm_old')`))[0].n).toBe(0);
  });
});

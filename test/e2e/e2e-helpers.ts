import request from 'supertest';
import { connect, NatsConnection } from 'nats';
import { HEADERS, STREAMS } from '@ideamine/contracts';
import { readStream } from '@ideamine/jetstream';
import { createDataSource, migrate, projectStream, ReadModelProjector, readModelChecksums } from '@ideamine/persistence';

export const API_KEY = 'e2e-test-key-0123456789';
export const auth = { Authorization: `Bearer ${API_KEY}` };

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 120_000, everyMs = 300): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function waitForRun(api: string, runId: string, statuses = ['completed'], timeoutMs = 180_000) {
  return waitFor(`run ${runId} to reach ${statuses.join('/')}`, async () => {
    const r = await request(api).get(`/v1/runs/${runId}`).set(auth);
    if (r.status !== 200) return undefined;
    if (['failed', 'cancelled'].includes(r.body.status) && !statuses.includes(r.body.status)) throw new Error(`run ${runId} ${r.body.status}: ${r.body.reason}`);
    return statuses.includes(r.body.status) && (r.body.status !== 'completed' || r.body.dossier) ? r.body : undefined;
  }, timeoutMs);
}

export async function deadLetters(natsUrl: string): Promise<{ reason: string; subject: string; stream: string; body: string }[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const out = [];
    for await (const m of readStream(nc.jetstream(), STREAMS.deadLetters)) {
      out.push({ reason: m.headers?.get(HEADERS.dlqReason) ?? '', subject: m.headers?.get(HEADERS.dlqSubject) ?? '', stream: m.headers?.get(HEADERS.dlqStream) ?? '', body: Buffer.from(m.data).toString('utf8') });
    }
    return out;
  } finally {
    await nc.close();
  }
}

export async function lastEventSeq(nc: NatsConnection): Promise<number> {
  return (await (await nc.jetstreamManager()).streams.info(STREAMS.events)).state.last_seq;
}

/** Projects the whole stream into a fresh database, the way a projector started from nothing would. */
export async function checksumsFromScratch(natsUrl: string, databaseUrl: string): Promise<Record<string, string>> {
  const nc = await connect({ servers: natsUrl });
  const ds = await createDataSource(databaseUrl).initialize();
  try {
    await migrate(ds);
    await projectStream(nc.jetstream(), new ReadModelProjector(ds));
    return await readModelChecksums(ds);
  } finally {
    await ds.destroy();
    await nc.close();
  }
}

export async function liveChecksums(databaseUrl: string) {
  const ds = await createDataSource(databaseUrl).initialize();
  try {
    return { checksums: await readModelChecksums(ds), position: Number((await ds.query(`SELECT last_seq FROM rm.checkpoint`))[0].last_seq) };
  } finally {
    await ds.destroy();
  }
}

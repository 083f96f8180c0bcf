/**
 * npm run bench:replay -- [--events 1000000] [--batch 2000] [--live-rate 1500] [--live-seconds 20]
 *
 * Generates realistic IM_EVENTS traffic (whole runs through every phase, every event type, real
 * payload sizes, plus republished duplicates, invalid messages and unknown types) into a private
 * nats-server, then measures in the same run:
 *   1. the baseline: a raw batched multi-row Postgres upsert (INSERT … SELECT FROM unnest … ON
 *      CONFLICT DO UPDATE, batches of --batch) of the same event rows the replay writes to
 *      rm.events, into a table of the same shape, timed on the statements alone (rows prepared
 *      beforehand), before and after the replay, averaged;
 *   2. `ideamine replay` of every read model, end to end (staging tables, swap);
 *   3. a raw upsert of every row of every read-model table the replay produced (stricter baseline);
 *   4. the live projector (its own process) following a steady publish rate: lag from publish ack
 *      to commit.
 * Prints one JSON summary line last.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, JetStreamClient } from 'nats';
import type { DataSource } from 'typeorm';
import { STREAMS } from '@ideamine/contracts';
import { loadJetStreamSpec, provisionJetStream } from '@ideamine/jetstream';
import {
  createDataSource, migrate, READ_MODELS, readBatches, replayReadModels, tableShape, upsertRows, verifyLedger, EventEntity, quoteIdent,
} from '@ideamine/persistence';
import { GeneratedMessage, publishMessages, workloadStream } from '../libs/persistence/src/testing';
import { startLocalStack, startServices } from '@ideamine/devstack';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('--events', 1_000_000);
const BATCH = arg('--batch', 2000);
// The pipeline bench peaks near 90 no-op tasks/s, about 8 events each: 1500/s is twice that.
const LIVE_RATE = arg('--live-rate', 1500);
const LIVE_SECONDS = arg('--live-seconds', 20);
const log = (s: string) => process.stderr.write(`${s}\n`);
const secs = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);

function* take(n: number, seed: number, startTime?: number): Generator<GeneratedMessage> {
  let i = 0;
  for (let chunk = 0; i < n; chunk++) {
    for (const m of workloadStream({ runs: 50, seed: seed + chunk, faults: true, startTime: startTime ? startTime + chunk * 3_600_000 : Date.UTC(2026, 0, 1) + chunk * 3_600_000 })) {
      if (i++ >= n) return;
      yield m;
    }
  }
}

/** Baseline 1: the event rows the replay writes, upserted raw, statement time only. */
async function rawEventUpsert(ds: DataSource, js: JetStreamClient, total: number, table: string): Promise<{ rows: number; seconds: number }> {
  const shape = { ...tableShape(ds, EventEntity), table };
  await ds.query(`DROP TABLE IF EXISTS bench.${quoteIdent(table)}`);
  await ds.query(`CREATE TABLE bench.${quoteIdent(table)} (LIKE rm.events INCLUDING ALL)`);
  let rows = 0;
  let seconds = 0;
  const CHUNK = 50_000;
  // Republished copies (same event id) are left out, as the replay leaves them out.
  const ids = new Set<string>();
  for (let from = 1; from <= total; from += CHUNK) {
    const prepared: EventEntity[][] = [];
    let batch: EventEntity[] = [];
    for await (const msgs of readBatches(js, from, Math.min(total, from + CHUNK - 1), 5000)) {
      for (const m of msgs) {
        const raw = Buffer.from(m.data).toString('utf8');
        let env: any;
        try {
          env = JSON.parse(raw);
        } catch {
          continue;
        }
        if (typeof env?.id !== 'string' || !/^[0-9a-f-]{36}$/.test(env.id) || typeof env.occurredAt !== 'string' || ids.has(env.id)) continue;
        ids.add(env.id);
        batch.push({ seq: String(m.seq), id: env.id, runId: String(env.runId), type: String(env.type), subject: m.subject, aggregateId: String(env.aggregateId), occurredAt: new Date(env.occurredAt), envelope: raw });
        if (batch.length >= BATCH) {
          prepared.push(batch);
          batch = [];
        }
      }
    }
    if (batch.length) prepared.push(batch);
    const stmts = prepared.map((b) => upsertRows('bench', shape, b, 'update', ['seq']));
    const t0 = process.hrtime.bigint();
    for (const [i, s] of stmts.entries()) {
      await ds.query(s.text, s.params);
      rows += prepared[i].length;
    }
    seconds += secs(t0);
  }
  return { rows, seconds };
}

/** Baseline 2: every row of every read-model table, upserted raw into copies, statement time only. */
async function rawAllTables(ds: DataSource): Promise<{ rows: number; seconds: number }> {
  let rows = 0;
  let seconds = 0;
  for (const entity of READ_MODELS.flatMap((p) => p.entities)) {
    const shape = tableShape(ds, entity);
    await ds.query(`CREATE TABLE bench.${quoteIdent(shape.table)} (LIKE rm.${quoteIdent(shape.table)} INCLUDING ALL)`);
    const keyOrder = shape.key.map((k) => quoteIdent(k.name)).join(', ');
    for (let offset = 0; ; offset += 50_000) {
      const raw: Record<string, unknown>[] = await ds.query(`SELECT * FROM rm.${quoteIdent(shape.table)} ORDER BY ${keyOrder} LIMIT 50000 OFFSET ${offset}`);
      if (!raw.length) break;
      const objs = raw.map((r) => Object.fromEntries(shape.columns.map((c) => [c.prop, c.kind === 'json' ? JSON.stringify(r[c.name]) : r[c.name]])));
      const stmts = [];
      for (let i = 0; i < objs.length; i += BATCH) stmts.push(upsertRows('bench', shape, objs.slice(i, i + BATCH), 'update'));
      const t0 = process.hrtime.bigint();
      for (const s of stmts) await ds.query(s.text, s.params);
      seconds += secs(t0);
      rows += objs.length;
    }
  }
  return { rows, seconds };
}

async function liveLag(nc: Awaited<ReturnType<typeof connect>>, ds: DataSource, startSeq: number): Promise<{ p50: number; p99: number; max: number; published: number }> {
  const js = nc.jetstream();
  const acked = new Map<number, number>();
  const commits: { t: number; seq: number }[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const [{ s }] = await ds.query(`SELECT min(last_seq)::bigint AS s FROM rm.checkpoint`);
      commits.push({ t: performance.now(), seq: Number(s) });
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const gen = take(LIVE_RATE * LIVE_SECONDS, 9_000_000, Date.now());
  const perTick = Math.max(1, Math.round(LIVE_RATE / 100));
  const t0 = performance.now();
  let published = 0;
  for (let tick = 0; published < LIVE_RATE * LIVE_SECONDS; tick++) {
    const due = t0 + tick * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const msgs: GeneratedMessage[] = [];
    for (let i = 0; i < perTick; i++) {
      const n = gen.next();
      if (n.done) break;
      msgs.push(n.value);
    }
    if (!msgs.length) break;
    const acks = await Promise.all(msgs.map((m) => js.publish(m.subject, m.data, { msgID: m.msgId })));
    const t = performance.now();
    for (const a of acks) if (!a.duplicate) acked.set(a.seq, t);
    published += msgs.length;
  }
  const last = Math.max(...acked.keys());
  const deadline = performance.now() + 60_000;
  while ((commits[commits.length - 1]?.seq ?? 0) < last && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  polling = false;
  await poller;
  const lags: number[] = [];
  let ci = 0;
  for (const [seq, t] of [...acked.entries()].sort((a, b) => a[0] - b[0])) {
    if (seq <= startSeq) continue;
    while (ci < commits.length && commits[ci].seq < seq) ci++;
    if (ci < commits.length) lags.push(Math.max(0, commits[ci].t - t));
  }
  return { p50: pct(lags, 50), p99: pct(lags, 99), max: Math.max(...lags), published };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ideamine-bench-replay-'));
  chmodSync(dir, 0o755);
  const stack = await startLocalStack({ baseDir: dir, fsync: false });
  const nc = await connect({ servers: stack.natsUrl });
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const ds = await createDataSource(stack.databaseUrl, { poolSize: 4 }).initialize();
  const root = join(__dirname, '..', '..');
  let services: Awaited<ReturnType<typeof startServices>> | undefined;
  try {
    await provisionJetStream(jsm, js, loadJetStreamSpec(join(root, 'deploy', 'nats', 'jetstream.yaml')));
    await migrate(ds);
    await ds.query(`CREATE SCHEMA bench`);
    log(`IdeaMine replay benchmark: ${EVENTS} events, batch ${BATCH}, nats-server ${stack.natsUrl}`);
    let t0 = process.hrtime.bigint();
    let lastLog = 0;
    const kinds: Record<string, number> = {};
    const counted = (function* () {
      for (const m of take(EVENTS, 1)) {
        kinds[m.kind] = (kinds[m.kind] ?? 0) + 1;
        yield m;
      }
    })();
    await publishMessages(js, counted, 1024, (n: number) => {
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`  generated and published ${n} events (${Math.round(n / secs(t0))}/s)`);
      }
    });
    const info = await jsm.streams.info(STREAMS.events);
    const total = info.state.last_seq;
    log(`published ${total} messages (${(info.state.bytes / 1e6).toFixed(0)} MB, ${Math.round(info.state.bytes / total)} B avg) in ${secs(t0).toFixed(1)} s: ${JSON.stringify(kinds)}`);

    const rawBefore = await rawEventUpsert(ds, js, total, 'events_before');
    log(`baseline, raw multi-row upsert of the event rows (before): ${Math.round(rawBefore.rows / rawBefore.seconds)} rows/s (${rawBefore.rows} rows, ${rawBefore.seconds.toFixed(1)} s)`);

    t0 = process.hrtime.bigint();
    let lastProgress = 0;
    const report = await replayReadModels(ds, js, jsm, {
      batchSize: BATCH,
      onProgress: (p) => {
        if (Date.now() - lastProgress > 5000) {
          lastProgress = Date.now();
          log(`  replay ${p.phase}: seq ${p.seq}/${p.targetSeq} (${Math.round((p.seq - p.fromSeq) / secs(t0))} events/s)`);
        }
      },
    });
    const replaySeconds = secs(t0);
    const eventsPerSec = total / replaySeconds;
    log(`replay of ${READ_MODELS.length} read models: ${Math.round(eventsPerSec)} events/s (${total} messages, ${replaySeconds.toFixed(1)} s; ${report.applied} applied, ${report.duplicates} duplicates, ${report.rejected} invalid, unknown ${JSON.stringify(report.unknownTypes)})`);

    const rawAfter = await rawEventUpsert(ds, js, total, 'events_after');
    log(`baseline, raw multi-row upsert of the event rows (after): ${Math.round(rawAfter.rows / rawAfter.seconds)} rows/s`);
    const rawRowsPerSec = (rawBefore.rows + rawAfter.rows) / (rawBefore.seconds + rawAfter.seconds);
    const all = await rawAllTables(ds);
    const rawAllRowsPerSec = all.rows / all.seconds;
    log(`stricter baseline, raw multi-row upsert of all ${all.rows} read-model rows the replay wrote: ${all.seconds.toFixed(1)} s (${Math.round(rawAllRowsPerSec)} rows/s)`);
    const verdict = await verifyLedger(ds);
    log(`ledger verify: ${verdict.ok ? 'ok' : `BROKEN ${verdict.reason}`} (${verdict.checked} entries)`);

    const startSeq = (await jsm.streams.info(STREAMS.events)).state.last_seq;
    services = await startServices({
      natsUrl: stack.natsUrl, databaseUrl: stack.databaseUrl, apiKeys: 'bench', logDir: join(dir, 'logs'), root, services: ['ledger-projector'], env: { LOG_LEVEL: 'warn' },
    });
    const lag = await liveLag(nc, ds, startSeq);
    log(`live projector at ${LIVE_RATE} events/s for ${LIVE_SECONDS} s: lag p50 ${lag.p50.toFixed(0)} ms, p99 ${lag.p99.toFixed(0)} ms, max ${lag.max.toFixed(0)} ms`);

    const ratio = eventsPerSec / rawRowsPerSec;
    log(`\nratio replay events/s / raw event-row upsert rows/s: ${ratio.toFixed(3)} (target >= 0.6); replay time / raw time of all its rows: ${(all.seconds / replaySeconds).toFixed(3)}`);
    console.log(JSON.stringify({
      bench: 'replay', events: total, eventsPerSec: Math.round(eventsPerSec), rawRowsPerSec: Math.round(rawRowsPerSec), ratio: Number(ratio.toFixed(3)),
      rawRowsPerSecBefore: Math.round(rawBefore.rows / rawBefore.seconds), rawRowsPerSecAfter: Math.round(rawAfter.rows / rawAfter.seconds),
      replaySeconds: Number(replaySeconds.toFixed(2)), readModels: READ_MODELS.length, allRows: all.rows, rawAllRowsPerSec: Math.round(rawAllRowsPerSec),
      ratioAllRows: Number((all.seconds / replaySeconds).toFixed(3)), batch: BATCH, applied: report.applied, duplicates: report.duplicates, rejected: report.rejected,
      unknown: Object.values(report.unknownTypes).reduce((a, b) => a + b, 0), ledgerOk: verdict.ok,
      liveRate: LIVE_RATE, liveSeconds: LIVE_SECONDS, liveLagP50Ms: Math.round(lag.p50), liveLagP99Ms: Math.round(lag.p99), liveLagMaxMs: Math.round(lag.max),
    }));
  } finally {
    await services?.stop();
    await ds.destroy();
    await nc.close();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(`bench failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
});

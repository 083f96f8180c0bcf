/**
 * npm run bench:replay -- [--events 1000000] [--batch 2000] [--live-rate 1500] [--live-seconds 20]
 *
 * Generates realistic IM_EVENTS traffic (whole runs through every phase, every event type, real
 * payload sizes, plus republished duplicates, invalid messages and unknown types) into a private
 * nats-server, then measures in the same run:
 *   1. the baseline: a raw batched multi-row Postgres upsert (the projector's own statement
 *      builder, batches of --batch, ON CONFLICT DO UPDATE) of the same event rows the replay writes
 *      to rm.events, into a table of the same shape, timed on the statements alone (rows prepared
 *      beforehand);
 *   2. `ideamine replay` of every read model, end to end (staging tables, index build, swap);
 *      1 and 2 alternate in slices of the stream so that both see the same machine load;
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
  createDataSource, migrate, READ_MODELS, readBatches, replayReadModels, ReplayAbortedError, tableShape, upsertRows, verifyLedger, EventEntity, quoteIdent,
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
async function rawEventUpsert(ds: DataSource, js: JetStreamClient, first: number, last: number, table: string, ids: Set<string>): Promise<{ rows: number; seconds: number }> {
  const shape = { ...tableShape(ds, EventEntity), table };
  await ds.query(`CREATE TABLE IF NOT EXISTS bench.${quoteIdent(table)} (LIKE rm.events INCLUDING ALL)`);
  let rows = 0;
  let seconds = 0;
  const CHUNK = 50_000;
  const total = last;
  // Republished copies (same event id) are left out, as the replay leaves them out.
  for (let from = first; from <= total; from += CHUNK) {
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

    // Baseline and replay alternate in slices of the stream, so both see the same machine load
    // (this machine is shared): the replay is interrupted at the end of each slice and resumed,
    // which it supports with the same result (paying its small resume cost, not the baseline).
    const SLICES = Math.max(1, Math.min(10, Math.floor(total / 20_000)));
    const ids = new Set<string>();
    const raw = { rows: 0, seconds: 0 };
    let replaySeconds = 0;
    let report: Awaited<ReturnType<typeof replayReadModels>> | undefined;
    let lastProgress = 0;
    for (let i = 1; i <= SLICES; i++) {
      const from = Math.floor(((i - 1) * total) / SLICES) + 1;
      const to = Math.floor((i * total) / SLICES);
      const r = await rawEventUpsert(ds, js, from, to, 'events_raw', ids);
      raw.rows += r.rows;
      raw.seconds += r.seconds;
      const abort = new AbortController();
      t0 = process.hrtime.bigint();
      try {
        report = await replayReadModels(ds, js, jsm, {
          batchSize: BATCH,
          signal: i < SLICES ? abort.signal : undefined,
          onProgress: (p) => {
            if (i < SLICES && p.seq >= to) abort.abort();
            if (Date.now() - lastProgress > 5000) {
              lastProgress = Date.now();
              log(`  replay ${p.phase}: seq ${p.seq}/${p.targetSeq}`);
            }
          },
        });
      } catch (err) {
        if (!(err instanceof ReplayAbortedError)) throw err;
      }
      replaySeconds += secs(t0);
      log(`slice ${i}/${SLICES} (to seq ${to}): raw upsert ${Math.round(raw.rows / raw.seconds)} rows/s, replay ${Math.round(to / replaySeconds)} events/s so far`);
    }
    const eventsPerSec = total / replaySeconds;
    const rawRowsPerSec = raw.rows / raw.seconds;
    log(`replay of ${READ_MODELS.length} read models: ${Math.round(eventsPerSec)} events/s (${total} messages, ${replaySeconds.toFixed(1)} s; ${report!.applied} applied in the last pass, ${report!.duplicates} duplicates, ${report!.rejected} invalid, unknown ${JSON.stringify(report!.unknownTypes)})`);
    log(`baseline, raw multi-row upsert of the event rows: ${Math.round(rawRowsPerSec)} rows/s (${raw.rows} rows, ${raw.seconds.toFixed(1)} s)`);
    const counts = (await ds.query(`SELECT (SELECT count(*) FROM rm.events)::int AS events, (SELECT count(*) FROM rm.dead_letters WHERE source = 'projector')::int AS rejected, (SELECT count(*) FROM rm.skipped_events)::int AS unknown`))[0];
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
      rawSeconds: Number(raw.seconds.toFixed(2)), replaySeconds: Number(replaySeconds.toFixed(2)), slices: SLICES, readModels: READ_MODELS.length, allRows: all.rows,
      rawAllRowsPerSec: Math.round(rawAllRowsPerSec), ratioAllRows: Number((all.seconds / replaySeconds).toFixed(3)), batch: BATCH, applied: counts.events,
      duplicates: total - counts.events - counts.rejected - counts.unknown, rejected: counts.rejected, unknown: counts.unknown, ledgerOk: verdict.ok,
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

import { connect } from 'nats';
import { STREAMS, HEADERS } from '@ideamine/contracts';
import { loadJetStreamSpec, natsServerOptions, provisionJetStream, readStream } from '@ideamine/jetstream';
import { createDataSource, migrate, readModelChecksums, verifyLedger } from '@ideamine/persistence';
import { replayCommand } from './replay';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const natsUrl = () => env('NATS_URL', 'nats://127.0.0.1:4222');
const databaseUrl = () => env('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/ideamine');

export async function migrateCommand(): Promise<void> {
  const ds = await createDataSource(databaseUrl()).initialize();
  try {
    const applied = await migrate(ds);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
  } finally {
    await ds.destroy();
  }
}

export async function provisionCommand(opts: { update?: boolean; replicas?: string; spec?: string }): Promise<void> {
  const nc = await connect(natsServerOptions(natsUrl()));
  try {
    const report = await provisionJetStream(await nc.jetstreamManager(), nc.jetstream(), loadJetStreamSpec(opts.spec ?? 'deploy/nats/jetstream.yaml'), {
      update: opts.update, replicas: opts.replicas ? Number(opts.replicas) : undefined,
    });
    for (const l of report) console.log(`${l.kind.padEnd(12)} ${l.name.padEnd(22)} ${l.action}${l.differences ? `\n    ${l.differences.join('\n    ')}` : ''}`);
    if (report.some((l) => l.action === 'drifted')) {
      console.log('\nsome live resources differ from the spec; re-run with --update to apply it');
      process.exitCode = 2;
    }
  } finally {
    await nc.close();
  }
}

/** Kept for scripts that call `ideamine rebuild`: the same as `ideamine replay` of every read model. */
export async function rebuildCommand(): Promise<void> {
  await replayCommand({});
}

export async function verifyLedgerCommand(): Promise<void> {
  const ds = await createDataSource(databaseUrl()).initialize();
  try {
    const v = await verifyLedger(ds);
    if (v.ok) console.log(`ledger OK: ${v.checked} entries, chain intact${v.anchoredAt ? ` from the retention anchor at entry #${v.anchoredAt}` : ''}${v.withoutEvent ? ` (${v.withoutEvent} entries without their event row, removed by retention)` : ''}`);
    else {
      console.error(`ledger BROKEN at entry #${v.firstBad?.position}${v.firstBad?.seq ? ` (stream seq ${v.firstBad.seq})` : ''}: ${v.reason}`);
      process.exitCode = 1;
    }
  } finally {
    await ds.destroy();
  }
}

export async function checksumCommand(): Promise<void> {
  const ds = await createDataSource(databaseUrl()).initialize();
  try {
    for (const [t, sum] of Object.entries(await readModelChecksums(ds))) console.log(`${t.padEnd(16)} ${sum}`);
  } finally {
    await ds.destroy();
  }
}

export async function dlqCommand(opts: { limit?: string }): Promise<void> {
  const nc = await connect(natsServerOptions(natsUrl()));
  try {
    const limit = Number(opts.limit ?? 20);
    let n = 0;
    for await (const m of readStream(nc.jetstream(), STREAMS.deadLetters)) {
      const h = m.headers;
      console.log(`#${m.seq} from ${h?.get(HEADERS.dlqStream)}#${h?.get(HEADERS.dlqSeq)} (${h?.get(HEADERS.dlqSubject)}) by ${h?.get(HEADERS.dlqConsumer)}\n    ${h?.get(HEADERS.dlqReason)}`);
      if (++n >= limit) break;
    }
    if (n === 0) console.log('no dead letters');
  } finally {
    await nc.close();
  }
}

import { SingleBar, Presets } from 'cli-progress';
import { connect } from 'nats';
import { natsServerOptions } from '@ideamine/jetstream';
import { createDataSource, migrate, PersistenceError, PoisonEventError, READ_MODEL_NAMES, replayReadModels, ReplayProgress } from '@ideamine/persistence';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;

export interface ReplayCommandOptions {
  projection?: string[];
  batch?: string;
  progress?: boolean;
}

/** Events per second over the last few seconds (the whole-run average hides a slow tail). */
class Rate {
  private samples: { t: number; seq: number }[] = [];
  add(seq: number): number {
    const t = Date.now();
    this.samples.push({ t, seq });
    while (this.samples.length > 2 && t - this.samples[0].t > 5000) this.samples.shift();
    const first = this.samples[0];
    return t > first.t ? ((seq - first.seq) * 1000) / (t - first.t) : 0;
  }
}

/**
 * `ideamine replay [--projection NAME ...]`: rebuilds read models from IM_EVENTS into new tables
 * while the live ones keep serving, then swaps them in at once. Interrupted (Ctrl-C, a crash), it
 * resumes where it stopped when run again. Exit codes: 0 done, 3 poison event, 4 interrupted, 1 other.
 */
export async function replayCommand(opts: ReplayCommandOptions): Promise<void> {
  const nc = await connect(natsServerOptions(env('NATS_URL', 'nats://127.0.0.1:4222')));
  const ds = await createDataSource(env('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/ideamine')).initialize();
  const abort = new AbortController();
  const onSigint = () => {
    process.stderr.write('\nstopping after the current batch (run again to resume)...\n');
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  const showBar = opts.progress ?? process.stderr.isTTY;
  const bar = new SingleBar(
    { format: 'replay {bar} {percentage}% | seq {value}/{total} | {rate} events/s | ETA {eta_formatted} | {phase}', stream: process.stderr, hideCursor: true, etaBuffer: 50, fps: 5, noTTYOutput: !process.stderr.isTTY, notTTYSchedule: 5000 },
    Presets.shades_classic,
  );
  const rate = new Rate();
  let started = false;
  const onProgress = (p: ReplayProgress) => {
    if (!showBar) return;
    const payload = { rate: Math.round(rate.add(p.seq)).toLocaleString('en-US'), phase: p.phase };
    if (!started) {
      bar.start(Math.max(p.targetSeq, 1), p.seq, payload);
      started = true;
    } else {
      bar.setTotal(Math.max(p.targetSeq, p.seq, 1));
      bar.update(p.seq, payload);
    }
  };
  const t0 = Date.now();
  try {
    await migrate(ds);
    const r = await replayReadModels(ds, nc.jetstream(), await nc.jetstreamManager(), {
      projections: opts.projection, batchSize: opts.batch ? Number(opts.batch) : undefined, onProgress, signal: abort.signal,
    });
    if (started) bar.stop();
    const secs = (Date.now() - t0) / 1000;
    if (r.discarded) console.error(`discarded an unfinished replay of: ${r.discarded.join(', ')}`);
    if (r.resumedFrom) console.error(`resumed an interrupted replay at seq ${r.resumedFrom}`);
    const unknown = Object.entries(r.unknownTypes);
    console.log(
      `replayed ${r.projections.join(', ')} up to seq ${r.lastSeq} in ${secs.toFixed(1)} s (${Math.round(r.applied / Math.max(secs, 0.001))} events/s) and swapped in: ` +
        `${r.applied} events, ${r.duplicates} duplicates left out, ${r.rejected} invalid messages dead-lettered` +
        (unknown.length ? `, skipped events of unknown types: ${unknown.map(([t, n]) => `${t} x${n}`).join(', ')}` : ''),
    );
  } catch (err) {
    if (started) bar.stop();
    if (err instanceof PoisonEventError) {
      console.error(`error [${err.code}]: replay stopped at stream seq ${err.seq}${err.type ? `, event ${err.type}` : ''}${err.eventId ? ` ${err.eventId}` : ''}: ${err.reason}`);
      console.error('everything before it is kept; fix the cause and run the same command again to resume');
      process.exitCode = 3;
    } else if (err instanceof PersistenceError) {
      console.error(`error [${err.code}]: ${err.message}`);
      process.exitCode = err.code === 'IM_REPLAY_ABORTED' ? 4 : 1;
    } else throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await ds.destroy();
    await nc.close();
  }
}

export const REPLAY_HELP = `read models: ${READ_MODEL_NAMES.join(', ')}`;

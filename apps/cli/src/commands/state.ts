import { connect } from 'nats';
import { AnyEventEnvelope, BUCKETS, decodeMessage, HEADERS, SUBJECT_TOKEN, STREAMS, subjects } from '@ideamine/contracts';
import { AnyDecider, CachedArtifacts, LoggedEvent, replayRun } from '@ideamine/decider';
import { dossierDecider, gatekeeperDecider, plannerDecider, schedulerDecider, supervisorDecider } from '@ideamine/deciders';
import { natsServerOptions, readStream } from '@ideamine/jetstream';
import { CliError, EXIT } from './api-client';

const DECIDERS: Record<string, AnyDecider> = {
  planner: plannerDecider,
  scheduler: schedulerDecider(process.env.IM_WORKER_POOL ?? 'default'),
  gatekeeper: gatekeeperDecider,
  supervisor: supervisorDecider,
  dossier: dossierDecider,
};

/**
 * `ideamine state <runId>`: each decider's folded state of a run, computed here from the stream
 * alone exactly as the decider does it (ADR 0005), with how many decisions it took and any event a
 * decision implies that the stream does not hold (a half-published decision awaiting its owner).
 */
export async function stateCommand(runId: string, opts: { decider?: string }): Promise<void> {
  if (!SUBJECT_TOKEN.test(runId)) throw new CliError(`"${runId}" is not a run id`);
  const chosen = opts.decider ? [opts.decider] : Object.keys(DECIDERS);
  for (const d of chosen) if (!DECIDERS[d]) throw new CliError(`--decider must be one of ${Object.keys(DECIDERS).join(', ')}`);
  const nc = await connect(natsServerOptions(process.env.NATS_URL ?? 'nats://127.0.0.1:4222')).catch((err: Error) => {
    throw new CliError(`cannot reach NATS: ${err.message}`, EXIT.infrastructure);
  });
  try {
    const js = nc.jetstream();
    const log: LoggedEvent[] = [];
    let invalid = 0;
    for await (const m of readStream(js, STREAMS.events, { filterSubject: subjects.runEvents(runId) })) {
      try {
        log.push({ seq: m.seq, subject: m.subject, event: decodeMessage('evt', m.data) as AnyEventEnvelope, decision: m.headers?.get(HEADERS.decision) || undefined });
      } catch {
        invalid++;
      }
    }
    if (!log.length) throw new CliError(`run ${runId} has no events in ${STREAMS.events}`);
    const io = new CachedArtifacts(() => js.views.os(BUCKETS.artifacts));
    const out: Record<string, unknown> = { runId, events: log.length, invalidEvents: invalid, lastSeq: log[log.length - 1].seq };
    for (const name of chosen) {
      const r = await replayRun(DECIDERS[name], runId, log, io);
      out[name] = { decisions: r.decisions, missing: r.missing, state: r.slot.state };
    }
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await nc.close();
  }
}

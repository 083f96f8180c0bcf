import type { JetStreamClient, ObjectStore } from 'nats';
import { decodeMessage, EventEnvelope, STREAMS, subjects, Usage } from '@ideamine/contracts';
import { getJsonArtifact, readStream } from '@ideamine/jetstream';
import type { DossierInput, PhaseOutcome } from './compile-dossier';
import { runRecordOf } from './run-record';

export class RunNotFoundError extends Error {
  readonly code = 'IM_RUN_NOT_FOUND';
}

/** Reads a run's history from the stream (the source of truth) and the evidence packs it names. */
export async function collectRun(js: JetStreamClient, os: ObjectStore, runId: string): Promise<DossierInput> {
  const events: EventEnvelope[] = [];
  for await (const m of readStream(js, STREAMS.events, { filterSubject: subjects.runEvents(runId) })) {
    try {
      events.push(decodeMessage('evt', m.data) as EventEnvelope);
    } catch {
      /* invalid events were dead-lettered by their consumers; a dossier uses only valid history */
    }
  }
  const requested = events.find((e) => e.type === 'run.requested') as EventEnvelope<'run.requested'> | undefined;
  if (!requested) throw new RunNotFoundError(`run ${runId} has no run.requested event`);
  const planned = events.find((e) => e.type === 'run.planned') as EventEnvelope<'run.planned'> | undefined;
  const terminal = [...events].reverse().find((e) => ['run.completed', 'run.failed', 'run.cancelled', 'run.paused', 'run.started', 'run.resumed'].includes(e.type));
  const statusByType: Record<string, string> = { 'run.completed': 'completed', 'run.failed': 'failed', 'run.cancelled': 'cancelled', 'run.paused': 'paused' };
  const status = statusByType[terminal?.type ?? ''] ?? 'running';
  const completed = events.find((e) => e.type === 'run.completed') as EventEnvelope<'run.completed'> | undefined;
  const started = new Map<string, string>();
  const phases: PhaseOutcome[] = [];
  const seen = new Set<string>();
  for (const e of events) {
    if (e.type === 'phase.started') started.set((e as EventEnvelope<'phase.started'>).payload.phase, e.occurredAt);
    if (e.type !== 'phase.completed') continue;
    const p = (e as EventEnvelope<'phase.completed'>).payload;
    if (seen.has(p.phase)) continue;
    seen.add(p.phase);
    const pack = await getJsonArtifact<{ merged: Record<string, unknown> }>(os, p.evidencePack);
    phases.push({ phase: p.phase, score: p.score, attempts: p.attempts, evidencePackSha256: p.evidencePack.sha256, merged: pack.merged ?? {}, startedAt: started.get(p.phase), finishedAt: e.occurredAt });
  }
  const usage: Usage = completed?.payload.usage ?? { tokens: 0, usd: 0, toolMinutes: 0, wallclockMs: 0 };
  return {
    runId,
    idea: requested.payload.input,
    status,
    completedAt: completed?.occurredAt ?? null,
    phaseOrder: planned?.payload.levels.flat() ?? phases.map((p) => p.phase),
    phases,
    usage,
    record: runRecordOf(events),
  };
}

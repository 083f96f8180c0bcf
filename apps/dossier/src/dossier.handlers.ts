import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { ObjectStore } from 'nats';
import { BUCKETS, CommandEnvelope, decodeMessage, deriveEventId, EventEnvelope, newEvent, STREAMS, subjects } from '@ideamine/contracts';
import { ConcurrencyConflictError, JetStreamContext, NatsResources, PermanentMessageError, putArtifact, readStream, RetryLaterError } from '@ideamine/jetstream';
import { EventPublisher, NATS } from '@ideamine/service-kit';
import { collectRun, RunNotFoundError } from './dossier/collect-run';
import { compileDossier } from './dossier/compile-dossier';
import { renderDossierHtml } from './dossier/render-html';
import { renderDossierPdf } from './dossier/render-pdf';

/**
 * Compiles dossiers. The dossier decider asks for one per run.completed; the api asks on demand.
 * Either way the compile is idempotent on its cause, however old the request: the run's dossier
 * subject is read first, and the result is published with optimistic concurrency on it.
 */
@Controller()
export class DossierHandlers {
  private os?: ObjectStore;

  constructor(@Inject(NATS) private readonly nats: NatsResources, private readonly publisher: EventPublisher) {}

  /** The dossier.compiled events of a run, in order, with the subject's last sequence. */
  private async compiledSoFar(runId: string): Promise<{ causes: Set<string>; lastSeq: number }> {
    const causes = new Set<string>();
    let lastSeq = 0;
    for await (const m of readStream(this.nats.js, STREAMS.events, { filterSubject: subjects.event(runId, 'dossier') })) {
      lastSeq = m.seq;
      try {
        const e = decodeMessage('evt', m.data) as EventEnvelope<'dossier.compiled'>;
        if (e.type === 'dossier.compiled') causes.add(e.payload.causeId);
      } catch {
        /* an invalid message on the subject still moves its sequence */
      }
    }
    return { causes, lastSeq };
  }

  @EventPattern('compile-dossier')
  async compile(@Payload() env: CommandEnvelope<'compile-dossier'>, @Ctx() ctx: JetStreamContext) {
    const causeId = env.payload.causeId ?? env.id;
    const before = await this.compiledSoFar(env.runId);
    if (before.causes.has(causeId)) {
      ctx.logger.info({ runId: env.runId, causeId }, 'dossier already compiled for this cause');
      return;
    }
    this.os ??= await this.nats.js.views.os(BUCKETS.artifacts);
    let input;
    try {
      input = await collectRun(this.nats.js, this.os, env.runId);
    } catch (err) {
      if (err instanceof RunNotFoundError) throw new PermanentMessageError(err.message);
      throw err;
    }
    const dossier = compileDossier(input, process.env.IM_DOSSIER_SIGNING_KEY || undefined);
    const bucket = BUCKETS.artifacts;
    const json = await putArtifact(this.os, bucket, `${JSON.stringify(dossier, null, 2)}\n`, 'dossier.json', 'application/json');
    const html = await putArtifact(this.os, bucket, renderDossierHtml(dossier), 'dossier.html', 'text/html; charset=utf-8');
    const pdf = await putArtifact(this.os, bucket, await renderDossierPdf(dossier), 'dossier.pdf', 'application/pdf');
    try {
      await this.publisher.appendEvent(
        newEvent('dossier.compiled', '_', { version: dossier.version, signature: dossier.signature.value, completeness: dossier.completeness, missing: dossier.missing, json, html, pdf, causeId }),
        { runId: env.runId, id: deriveEventId(causeId, 'dossier.compiled'), causationId: env.id, correlationId: env.correlationId, expectLastSubjectSequence: before.lastSeq },
      );
    } catch (err) {
      // Another compile landed meanwhile: done if it answered this cause, else try again on the new tail.
      if (err instanceof ConcurrencyConflictError) throw new RetryLaterError('the dossier subject moved during the compile', 200);
      throw err;
    }
    ctx.logger.info({ runId: env.runId, version: dossier.version, completeness: dossier.completeness, missing: dossier.missing.length }, 'dossier compiled');
  }
}

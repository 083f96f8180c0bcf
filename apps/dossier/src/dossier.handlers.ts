import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { ObjectStore } from 'nats';
import { BUCKETS, CommandEnvelope, EventEnvelope, newEvent } from '@ideamine/contracts';
import { JetStreamContext, NatsResources, PermanentMessageError, putArtifact, RethrowRpcErrors } from '@ideamine/jetstream';
import { EventPublisher, NATS } from '@ideamine/service-kit';
import { collectRun, RunNotFoundError } from './dossier/collect-run';
import { compileDossier } from './dossier/compile-dossier';
import { renderDossierHtml } from './dossier/render-html';
import { renderDossierPdf } from './dossier/render-pdf';

@Controller()
@UseFilters(RethrowRpcErrors)
export class DossierHandlers {
  private os?: ObjectStore;

  constructor(@Inject(NATS) private readonly nats: NatsResources, private readonly publisher: EventPublisher) {}

  private async compile(env: EventEnvelope | CommandEnvelope, ctx: JetStreamContext) {
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
    ctx.logger.info({ version: dossier.version, completeness: dossier.completeness, missing: dossier.missing.length }, 'dossier compiled');
    await this.publisher.publishEvents({ id: env.id, correlationId: env.correlationId, runId: env.runId }, [
      newEvent('dossier.compiled', '_', { version: dossier.version, signature: dossier.signature.value, completeness: dossier.completeness, missing: dossier.missing, json, html, pdf }),
    ]);
  }

  @EventPattern('run.completed')
  runCompleted(@Payload() env: EventEnvelope<'run.completed'>, @Ctx() ctx: JetStreamContext) {
    return this.compile(env, ctx);
  }

  @EventPattern('compile-dossier')
  compileOnDemand(@Payload() env: CommandEnvelope<'compile-dossier'>, @Ctx() ctx: JetStreamContext) {
    return this.compile(env, ctx);
  }
}

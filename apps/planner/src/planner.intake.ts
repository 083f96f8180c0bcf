import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CommandEnvelope, deriveEventId, newEvent } from '@ideamine/contracts';
import { ConcurrencyConflictError, JetStreamContext, PermanentMessageError } from '@ideamine/jetstream';
import { EventPublisher, SERVICE_CONFIG, ServiceConfig } from '@ideamine/service-kit';
import { DEFAULT_RUN_BUDGET, InvalidDagError, planRun } from '@ideamine/deciders';
import { loadPhaseConfigs, PhaseConfigError, resolveConfigSetDir } from '@ideamine/phase-config';
import { Inject } from '@nestjs/common';

/**
 * The planner's intake: a submit is the one input that needs the outside world (the phase YAML on
 * disk), so it is resolved here, once, and the result becomes run.requested — the first event of the
 * run, written with expected subject sequence 0, so a duplicate submit (an Idempotency-Key retry,
 * a redelivery long after the duplicate window) can never start a run twice. The decider then plans
 * from the event alone, and a replay plans the same way even if the YAML changed since.
 */
@Controller()
export class PlannerIntake {
  constructor(private readonly publisher: EventPublisher, @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  @EventPattern('submit-run')
  async submitRun(@Payload() env: CommandEnvelope<'submit-run'>, @Ctx() ctx: JetStreamContext) {
    let phases;
    try {
      phases = loadPhaseConfigs(resolveConfigSetDir(this.config.phasesDir, env.payload.configSet));
      planRun(phases);
    } catch (err) {
      if (err instanceof PhaseConfigError) throw new PermanentMessageError(`phase configuration refused:\n${err.message}`);
      if (err instanceof InvalidDagError) throw new PermanentMessageError(`phase DAG refused: ${err.message}`);
      throw err;
    }
    const requested = newEvent('run.requested', '_', {
      input: env.payload.input, budget: env.payload.budget ?? DEFAULT_RUN_BUDGET, configSet: env.payload.configSet ?? 'default', phases,
    });
    try {
      await this.publisher.appendEvent(requested, {
        runId: env.runId, id: deriveEventId(env.id, 'run.requested'), causationId: env.id, correlationId: env.correlationId, expectLastSubjectSequence: 0,
      });
    } catch (err) {
      if (!(err instanceof ConcurrencyConflictError)) throw err;
      ctx.logger.info({ runId: env.runId }, 'run already requested; duplicate submit ignored');
    }
  }
}

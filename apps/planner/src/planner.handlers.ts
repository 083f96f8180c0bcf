import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { KV } from 'nats';
import { BUCKETS, Budget, CommandEnvelope, deriveEventId, EventEnvelope, splitBudget } from '@ideamine/contracts';
import { JetStreamContext, NatsResources, PermanentMessageError, withSnapshot, RethrowRpcErrors } from '@ideamine/jetstream';
import { EventPublisher, NATS, SERVICE_CONFIG, ServiceConfig } from '@ideamine/service-kit';
import { loadPhaseConfigs, PhaseConfigError, resolveConfigSetDir } from '@ideamine/phase-config';
import { decide, observe, PlannerInput } from './run/decide';
import { evolve } from './run/evolve';
import { initialRunState, RunState } from './run/state';
import { InvalidDagError } from './run/dag';

export const DEFAULT_RUN_BUDGET: Budget = { tokens: 5_000_000, usd: 100, toolMinutes: 600, wallclockMinutes: 3000 };

/** Edge of the planner: turns messages into PlannerInput, runs decide/evolve under a KV snapshot. */
@Controller()
@UseFilters(RethrowRpcErrors)
export class PlannerHandlers {
  private kv?: KV;

  constructor(
    @Inject(NATS) private readonly nats: NatsResources,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly publisher: EventPublisher,
  ) {}

  private async state(): Promise<KV> {
    return (this.kv ??= await this.nats.js.views.kv(BUCKETS.plannerState));
  }

  private async apply(env: CommandEnvelope | EventEnvelope, input: PlannerInput, ctx: JetStreamContext): Promise<void> {
    const kv = await this.state();
    await withSnapshot<RunState>(kv, `run.${env.runId}`, () => initialRunState(env.runId), async (state) => {
      const observed = observe(state, input);
      const events = decide(observed, input);
      if (events.length) ctx.logger.info({ decided: events.map((e) => e.type) }, 'planner decision');
      const extended = input.kind === 'extend-budget' && events.some((e) => e.type === 'budget.extended');
      const retries = extended ? observed.parked : [];
      return {
        next: events.reduce(evolve, observed),
        effects: async () => {
          await this.publisher.publishEvents({ id: env.id, correlationId: env.correlationId, runId: env.runId }, events);
          // Tasks stopped by the budget run again, sharing what was added.
          for (const t of retries) {
            const extraBudget = splitBudget((env.payload as { add: Budget }).add, retries.length);
            await this.publisher.sendCommand('retry-task', env.runId, t.taskId, { phase: t.phase, taskId: t.taskId, attempt: t.attempt + 1, extraBudget, requestedBy: 'planner' }, {
              id: deriveEventId(env.id, `retry:${t.taskId}`), causationId: env.id, correlationId: env.correlationId,
            });
          }
        },
      };
    });
  }

  @EventPattern('submit-run')
  async submitRun(@Payload() env: CommandEnvelope<'submit-run'>, @Ctx() ctx: JetStreamContext) {
    let phases;
    try {
      phases = loadPhaseConfigs(resolveConfigSetDir(this.config.phasesDir, env.payload.configSet));
    } catch (err) {
      if (err instanceof PhaseConfigError) throw new PermanentMessageError(`phase configuration refused:\n${err.message}`);
      throw err;
    }
    try {
      await this.apply(env, { kind: 'submit-run', payload: env.payload, phases, defaultBudget: DEFAULT_RUN_BUDGET }, ctx);
    } catch (err) {
      if (err instanceof InvalidDagError) throw new PermanentMessageError(`phase DAG refused: ${err.message}`);
      throw err;
    }
  }

  @EventPattern('cancel-run')
  cancelRun(@Payload() env: CommandEnvelope<'cancel-run'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, { kind: 'cancel-run', payload: env.payload }, ctx);
  }

  @EventPattern('pause-run')
  pauseRun(@Payload() env: CommandEnvelope<'pause-run'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, { kind: 'pause-run', payload: env.payload }, ctx);
  }

  @EventPattern('resume-run')
  resumeRun(@Payload() env: CommandEnvelope<'resume-run'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, { kind: 'resume-run', payload: env.payload }, ctx);
  }

  @EventPattern('extend-budget')
  extendBudget(@Payload() env: CommandEnvelope<'extend-budget'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, { kind: 'extend-budget', payload: env.payload }, ctx);
  }

  @EventPattern('gate.passed')
  gatePassed(@Payload() env: EventEnvelope<'gate.passed'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, { kind: 'gate.passed', payload: env.payload }, ctx);
  }

  @EventPattern('phase.aggregated')
  phaseAggregated(@Payload() env: EventEnvelope<'phase.aggregated'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, { kind: 'phase.aggregated', payload: env.payload }, ctx);
  }

  @EventPattern('task.failed')
  taskFailed(@Payload() env: EventEnvelope<'task.failed'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, { kind: 'task.failed', payload: env.payload }, ctx);
  }

  @EventPattern('gate.failed')
  gateFailed(@Payload() env: EventEnvelope<'gate.failed'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, { kind: 'gate.failed', payload: env.payload }, ctx);
  }
}

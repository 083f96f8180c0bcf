import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { KV, ObjectStore } from 'nats';
import { BUCKETS, CommandEnvelope, deriveEventId, EventEnvelope, newEvent, NewEvent } from '@ideamine/contracts';
import { JetStreamContext, NatsResources, withSnapshot, RethrowRpcErrors } from '@ideamine/jetstream';
import { EventPublisher, NATS } from '@ideamine/service-kit';
import { decide, SchedulerInput, totalUsage } from './phase/decide';
import { initialPhaseRunState, PhaseRunState } from './phase/state';
import { buildEvidencePack } from './evidence-pack';

/** Edge of the scheduler: phase snapshots in KV, task commands to the worker pool, fan-in on completion. */
@Controller()
@UseFilters(RethrowRpcErrors)
export class SchedulerHandlers {
  private kv?: KV;
  private os?: ObjectStore;

  constructor(@Inject(NATS) private readonly nats: NatsResources, private readonly publisher: EventPublisher) {}

  private async stores() {
    this.kv ??= await this.nats.js.views.kv(BUCKETS.schedulerState);
    this.os ??= await this.nats.js.views.os(BUCKETS.artifacts);
    return { kv: this.kv, os: this.os };
  }

  private async apply(env: EventEnvelope | CommandEnvelope, phase: string, input: SchedulerInput, ctx: JetStreamContext) {
    const { kv, os } = await this.stores();
    const cause = { id: env.id, correlationId: env.correlationId, runId: env.runId };
    await withSnapshot<PhaseRunState>(kv, `${env.runId}.${phase}`, () => initialPhaseRunState(env.runId, phase), async (state) => {
      const d = decide(state, input);
      return {
        next: d.next,
        effects: async () => {
          const events: NewEvent[] = [...d.events];
          if (d.aggregate) {
            const { ref } = await buildEvidencePack(os, d.next);
            events.push(newEvent('phase.aggregated', phase, { phase, gateAttempt: d.next.gateAttempt, evidencePack: ref, taskCount: d.next.tasks.length, usage: totalUsage(d.next.tasks) }));
          }
          if (events.length) ctx.logger.info({ phase, decided: events.map((e) => e.type), tasks: d.commands.length }, 'scheduler decision');
          await this.publisher.publishEvents(cause, events);
          for (const c of d.commands) {
            await this.publisher.sendCommand('run-task', env.runId, c.taskId, c, { id: deriveEventId(env.id, `cmd:${c.taskId}:${c.attempt}`), causationId: env.id, correlationId: env.correlationId });
          }
        },
      };
    });
  }

  @EventPattern('phase.started')
  phaseStarted(@Payload() env: EventEnvelope<'phase.started'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, env.payload.phase, { kind: 'phase.started', payload: env.payload }, ctx);
  }

  @EventPattern('task.succeeded')
  taskSucceeded(@Payload() env: EventEnvelope<'task.succeeded'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, env.payload.phase, { kind: 'task.succeeded', payload: env.payload }, ctx);
  }

  @EventPattern('retry-task')
  retryTask(@Payload() env: CommandEnvelope<'retry-task'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, env.payload.phase, { kind: 'retry-task', payload: env.payload }, ctx);
  }

  @EventPattern('task.quarantined')
  taskQuarantined(@Payload() env: EventEnvelope<'task.quarantined'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, env.payload.phase, { kind: 'task.quarantined', payload: env.payload }, ctx);
  }

  @EventPattern('autofix.requested')
  autofixRequested(@Payload() env: EventEnvelope<'autofix.requested'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, env.payload.phase, { kind: 'autofix.requested', payload: env.payload }, ctx);
  }
}

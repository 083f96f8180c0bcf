import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { KV, ObjectStore } from 'nats';
import { BUCKETS, CommandEnvelope, EventEnvelope } from '@ideamine/contracts';
import { getJsonArtifact, JetStreamContext, NatsResources, RetryLaterError, withSnapshot, RethrowRpcErrors } from '@ideamine/jetstream';
import { EventPublisher, NATS } from '@ideamine/service-kit';
import { decide, GateConfigMissingError, GateInput } from './gate/decide';
import { GateState, initialGateState } from './gate/state';

@Controller()
@UseFilters(RethrowRpcErrors)
export class GatekeeperHandlers {
  private kv?: KV;
  private os?: ObjectStore;

  constructor(@Inject(NATS) private readonly nats: NatsResources, private readonly publisher: EventPublisher) {}

  private async stores() {
    this.kv ??= await this.nats.js.views.kv(BUCKETS.gatekeeperState);
    this.os ??= await this.nats.js.views.os(BUCKETS.artifacts);
    return { kv: this.kv, os: this.os };
  }

  private async apply(env: EventEnvelope | CommandEnvelope, phase: string, input: GateInput, ctx: JetStreamContext) {
    const { kv } = await this.stores();
    const cause = { id: env.id, correlationId: env.correlationId, runId: env.runId };
    try {
      await withSnapshot<GateState>(kv, `${env.runId}.${phase}`, () => initialGateState(env.runId, phase), async (state) => {
        const d = decide(state, input);
        if (d.events.length) ctx.logger.info({ phase, decided: d.events.map((e) => e.type) }, 'gate decision');
        return { next: d.next, effects: async () => void (await this.publisher.publishEvents(cause, d.events)) };
      });
    } catch (err) {
      // phase.started and phase.aggregated arrive on different consumers; wait for the config.
      if (err instanceof GateConfigMissingError) throw new RetryLaterError(err.message, 1000);
      throw err;
    }
  }

  @EventPattern('phase.started')
  phaseStarted(@Payload() env: EventEnvelope<'phase.started'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, env.payload.phase, { kind: 'phase.started', payload: env.payload }, ctx);
  }

  @EventPattern('phase.aggregated')
  async phaseAggregated(@Payload() env: EventEnvelope<'phase.aggregated'>, @Ctx() ctx: JetStreamContext) {
    const { os } = await this.stores();
    const pack = await getJsonArtifact<{ merged: unknown }>(os, env.payload.evidencePack);
    return this.apply(env, env.payload.phase, { kind: 'phase.aggregated', payload: env.payload, merged: pack.merged, now: new Date() }, ctx);
  }

  @EventPattern('grant-waiver')
  grantWaiver(@Payload() env: CommandEnvelope<'grant-waiver'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, env.payload.phase, { kind: 'grant-waiver', payload: env.payload, now: new Date() }, ctx);
  }

  @EventPattern('revoke-waiver')
  revokeWaiver(@Payload() env: CommandEnvelope<'revoke-waiver'>, @Ctx() ctx: JetStreamContext) {
    return this.apply(env, env.payload.phase, { kind: 'revoke-waiver', payload: env.payload }, ctx);
  }
}

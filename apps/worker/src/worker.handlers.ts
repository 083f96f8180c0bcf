import { Controller, Inject, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CommandEnvelope } from '@ideamine/contracts';
import { JetStreamContext, NatsResources, RethrowRpcErrors } from '@ideamine/jetstream';
import { AgentRegistry, providerFromEnv } from '@ideamine/agents';
import { EventPublisher, NATS, SERVICE_CONFIG, ServiceConfig } from '@ideamine/service-kit';
import { TaskRunner } from './task/task-runner';

@Controller()
@UseFilters(RethrowRpcErrors)
export class WorkerHandlers {
  private readonly registry = new AgentRegistry();
  private readonly provider = providerFromEnv();

  constructor(
    @Inject(NATS) private readonly nats: NatsResources,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly publisher: EventPublisher,
  ) {}

  @EventPattern('run-task')
  async runTask(@Payload() env: CommandEnvelope<'run-task'>, @Ctx() ctx: JetStreamContext) {
    const cause = { id: env.id, correlationId: env.correlationId, runId: env.runId };
    const runner = new TaskRunner({
      nats: this.nats,
      registry: this.registry,
      provider: this.provider,
      workerId: this.config.instance,
      publish: async (events) => {
        await this.publisher.publishEvents(cause, events);
      },
    });
    await runner.run(env, ctx.logger.child({ taskId: env.payload.taskId, phase: env.payload.phase, agent: env.payload.agent }));
  }
}

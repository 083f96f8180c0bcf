import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CommandEnvelope } from '@ideamine/contracts';
import { JetStreamContext, NatsResources } from '@ideamine/jetstream';
import { AgentRegistry, providerFromEnv } from '@ideamine/agents';
import { EventPublisher, NATS, SERVICE_CONFIG, ServiceConfig } from '@ideamine/service-kit';
import { TaskRunner } from './task/task-runner';

@Controller()
export class WorkerHandlers {
  /** One runner per process: it keeps its KV and Object Store handles (and an artifact cache) across tasks. */
  private readonly runner: TaskRunner;

  constructor(@Inject(NATS) nats: NatsResources, @Inject(SERVICE_CONFIG) config: ServiceConfig, publisher: EventPublisher) {
    this.runner = new TaskRunner({ nats, registry: new AgentRegistry(), provider: providerFromEnv(), workerId: config.instance, publisher });
  }

  @EventPattern('run-task')
  runTask(@Payload() env: CommandEnvelope<'run-task'>, @Ctx() ctx: JetStreamContext) {
    return this.runner.run(env, ctx.delivery, ctx.logger);
  }
}

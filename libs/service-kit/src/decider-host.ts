import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AnyDecider, DeciderRunner } from '@ideamine/decider';
import type { NatsResources } from '@ideamine/jetstream';
import type { Logger } from '@ideamine/telemetry';
import { LOGGER, NATS, SERVICE_CONFIG } from './tokens';
import type { ServiceConfig } from './service-config';
import { producerOf } from './event-publisher';

export const DECIDER = Symbol('DECIDER');

/** Runs the service's decider (ADR 0005) for the lifetime of the Nest app. */
@Injectable()
export class DeciderHost implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly runner: DeciderRunner;

  constructor(
    @Inject(DECIDER) decider: AnyDecider,
    @Inject(NATS) nats: NatsResources,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.runner = new DeciderRunner(decider, nats, {
      instance: config.instance,
      partitions: config.deciderPartitions,
      leaseTtlMs: config.leaseTtlMs,
      snapshotIntervalMs: config.snapshotIntervalMs,
      producer: producerOf(config),
      workerPool: config.workerPool,
      validatePublished: config.validatePublished,
    }, logger);
  }

  async onApplicationBootstrap() {
    await this.runner.start();
  }

  async onApplicationShutdown() {
    await this.runner.stop();
  }
}

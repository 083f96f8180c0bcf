import 'reflect-metadata';
import { INestApplication, Type } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { DurableConsumerSpec, JetStreamServer, NatsResources, RethrowRpcErrors, setPublishValidation } from '@ideamine/jetstream';
import { startTracing, Logger } from '@ideamine/telemetry';
import type { ServiceName } from '@ideamine/contracts';
import { LOGGER, NATS, SERVICE_CONFIG } from './tokens';
import type { ServiceConfig } from './service-config';

export interface BootstrapOptions {
  service: ServiceName;
  module: Type<unknown>;
  /** Durable consumers whose messages are dispatched to @EventPattern handlers. */
  consumers?: (config: ServiceConfig) => DurableConsumerSpec[];
  /** Extra HTTP setup (validation pipes, body limits...) before listen. */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/**
 * Starts one service: HTTP (health, metrics, and the API for api), the JetStream transport, and a
 * clean shutdown on SIGTERM/SIGINT (stop consuming, drain NATS, exit 0).
 */
export async function bootstrapService(opts: BootstrapOptions): Promise<INestApplication> {
  await startTracing(opts.service);
  const app = await NestFactory.create(opts.module, { logger: ['error', 'warn'], bodyParser: opts.service !== 'api' });
  const config = app.get<ServiceConfig>(SERVICE_CONFIG);
  setPublishValidation(config.validatePublished);
  const nats = app.get<NatsResources>(NATS);
  const logger = app.get<Logger>(LOGGER);
  await opts.configure?.(app);
  const consumers = opts.consumers?.(config) ?? [];
  if (consumers.length) {
    // The RPC filter once for every handler: typed errors reach the consumer runner unchanged
    // (dead letter now, retry later, leave unacked) instead of Nest's generic error object.
    app.useGlobalFilters(new RethrowRpcErrors(app.get(HttpAdapterHost).httpAdapter));
    app.connectMicroservice({ strategy: new JetStreamServer(nats, consumers) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
  }
  await app.listen(config.port, config.host);
  logger.info({ port: config.port, consumers: consumers.map((c) => c.durable) }, `${opts.service} ready`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await app.close();
      await nats.nc.drain();
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return app;
}

/** Standard entry: bootstrap, and exit non-zero with the reason if start-up fails. */
export function runService(opts: BootstrapOptions): void {
  bootstrapService(opts).catch((err: Error) => {
    console.error(`${opts.service} failed to start: ${err.message}`);
    process.exit(1);
  });
}

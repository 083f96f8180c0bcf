import { DynamicModule, Global, Module, ModuleMetadata, Provider } from '@nestjs/common';
import type { ServiceName } from '@ideamine/contracts';
import type { AnyDecider } from '@ideamine/decider';
import { DECIDER, DeciderHost } from './decider-host';
import { createLogger } from '@ideamine/telemetry';
import { loadServiceConfig, ServiceConfig } from './service-config';
import { natsProvider } from './nats.provider';
import { HealthController } from './health.controller';
import { EventPublisher } from './event-publisher';
import { LOGGER, NATS, SERVICE_CONFIG } from './tokens';

/** Wires config, logger, NATS, the event publisher and health/metrics endpoints for one service. */
@Global()
@Module({})
export class ServiceKitModule {
  static forService(service: ServiceName, extra: Pick<ModuleMetadata, 'providers' | 'exports'> & { decider?: (config: ServiceConfig) => AnyDecider } = {}): DynamicModule {
    const config = loadServiceConfig(service);
    const providers: Provider[] = [
      { provide: SERVICE_CONFIG, useValue: config },
      { provide: LOGGER, useValue: createLogger(service) },
      natsProvider,
      EventPublisher,
      ...(extra.decider ? [{ provide: DECIDER, useFactory: extra.decider, inject: [SERVICE_CONFIG] }, DeciderHost] : []),
      ...(extra.providers ?? []),
    ];
    return {
      module: ServiceKitModule,
      controllers: [HealthController],
      providers,
      exports: [SERVICE_CONFIG, LOGGER, NATS, EventPublisher, ...(extra.decider ? [DeciderHost] : []), ...(extra.exports ?? [])],
    };
  }
}

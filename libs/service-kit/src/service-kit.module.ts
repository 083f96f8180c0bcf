import { DynamicModule, Global, Module, ModuleMetadata, Provider } from '@nestjs/common';
import type { ServiceName } from '@ideamine/contracts';
import { createLogger } from '@ideamine/telemetry';
import { loadServiceConfig } from './service-config';
import { natsProvider } from './nats.provider';
import { HealthController } from './health.controller';
import { EventPublisher } from './event-publisher';
import { LOGGER, NATS, SERVICE_CONFIG } from './tokens';

/** Wires config, logger, NATS, the event publisher and health/metrics endpoints for one service. */
@Global()
@Module({})
export class ServiceKitModule {
  static forService(service: ServiceName, extra: Pick<ModuleMetadata, 'providers' | 'exports'> = {}): DynamicModule {
    const config = loadServiceConfig(service);
    const providers: Provider[] = [
      { provide: SERVICE_CONFIG, useValue: config },
      { provide: LOGGER, useValue: createLogger(service) },
      natsProvider,
      EventPublisher,
      ...(extra.providers ?? []),
    ];
    return {
      module: ServiceKitModule,
      controllers: [HealthController],
      providers,
      exports: [SERVICE_CONFIG, LOGGER, NATS, EventPublisher, ...(extra.exports ?? [])],
    };
  }
}

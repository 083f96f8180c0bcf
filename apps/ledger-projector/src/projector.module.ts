import { Module } from '@nestjs/common';
import { createDataSource, migrate } from '@ideamine/persistence';
import { LOGGER, READINESS_CHECKS, SERVICE_CONFIG, ServiceConfig, ServiceKitModule } from '@ideamine/service-kit';
import type { Logger } from '@ideamine/telemetry';
import type { DataSource } from 'typeorm';
import { ProjectorService } from './projector.service';
import { DATA_SOURCE } from './tokens';

@Module({
  imports: [
    ServiceKitModule.forService('ledger-projector', {
      providers: [
        {
          provide: DATA_SOURCE,
          inject: [SERVICE_CONFIG, LOGGER],
          useFactory: async (config: ServiceConfig, logger: Logger) => {
            const ds = await createDataSource(config.databaseUrl).initialize();
            const applied = await migrate(ds);
            if (applied.length) logger.info({ applied }, 'applied migrations');
            return ds;
          },
        },
        {
          provide: READINESS_CHECKS,
          inject: [DATA_SOURCE],
          useFactory: (ds: DataSource) => [{ name: 'postgres', check: async () => void (await ds.query('SELECT 1')) }],
        },
      ],
      exports: [DATA_SOURCE],
    }),
  ],
  providers: [ProjectorService],
})
export class ProjectorModule {}

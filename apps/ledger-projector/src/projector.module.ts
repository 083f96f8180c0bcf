import { Module } from '@nestjs/common';
import { createDataSource, migrate } from '@ideamine/persistence';
import { LOGGER, READINESS_CHECKS, SERVICE_CONFIG, ServiceConfig, ServiceKitModule } from '@ideamine/service-kit';
import type { Logger } from '@ideamine/telemetry';
import type { DataSource } from 'typeorm';
import { loadProjectorOptions } from './projector.config';
import { ProjectorService } from './projector.service';
import { DATA_SOURCE, PROJECTOR_OPTIONS } from './tokens';

@Module({
  imports: [
    ServiceKitModule.forService('ledger-projector', {
      providers: [
        { provide: PROJECTOR_OPTIONS, useFactory: () => loadProjectorOptions() },
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
        ProjectorService,
        {
          provide: READINESS_CHECKS,
          inject: [DATA_SOURCE, ProjectorService],
          useFactory: (ds: DataSource, projector: ProjectorService) => [
            { name: 'postgres', check: async () => void (await ds.query('SELECT 1')) },
            {
              // A stream that went backwards or an event that cannot be projected: not ready, with why.
              name: 'projection',
              check: async () => {
                const alarm = projector.currentAlarm();
                if (alarm) throw new Error(`${alarm.kind}: ${alarm.message}`);
              },
            },
          ],
        },
      ],
      exports: [DATA_SOURCE, ProjectorService],
    }),
  ],
})
export class ProjectorModule {}

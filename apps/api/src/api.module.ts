import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@ideamine/persistence';
import { READINESS_CHECKS, SERVICE_CONFIG, ServiceConfig, ServiceKitModule } from '@ideamine/service-kit';
import { ApiKeyGuard } from './auth/api-key.guard';
import { RunsController } from './runs/runs.controller';
import { InsightsController } from './insights/insights.controller';
import { RunDetailsController } from './runs/run-details.controller';
import { IdempotencyStore } from './runs/idempotency';
import { EventStreamController } from './stream/event-stream.controller';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { InboxController } from './inbox/inbox.controller';
import { DATA_SOURCE } from './tokens';

const perMinute = Number(process.env.IM_RATE_LIMIT_PER_MIN ?? 300);

@Module({
  imports: [
    ThrottlerModule.forRoot([{ name: 'default', ttl: 60_000, limit: perMinute }]),
    ServiceKitModule.forService('api', {
      providers: [
        {
          provide: DATA_SOURCE,
          inject: [SERVICE_CONFIG],
          // Lazy: the API starts (and answers /health/ready with 503) while Postgres is away.
          useFactory: (config: ServiceConfig) => {
            const ds = createDataSource(config.databaseUrl, { poolSize: 10 });
            void ds.initialize().catch(() => undefined);
            return ds;
          },
        },
        {
          provide: READINESS_CHECKS,
          inject: [DATA_SOURCE],
          useFactory: (ds: DataSource) => [
            {
              name: 'postgres',
              check: async () => {
                if (!ds.isInitialized) await ds.initialize();
                await ds.query('SELECT 1 FROM rm.checkpoint LIMIT 1');
              },
            },
          ],
        },
      ],
      exports: [DATA_SOURCE],
    }),
  ],
  controllers: [RunsController, RunDetailsController, EventStreamController, DeadLettersController, InboxController, InsightsController],
  providers: [
    IdempotencyStore,
    { provide: APP_GUARD, useClass: ThrottlerGuard },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
})
export class ApiModule {}

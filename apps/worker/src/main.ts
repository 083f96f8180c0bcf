import { STREAMS, subjects } from '@ideamine/contracts';
import { runService } from '@ideamine/service-kit';
import { WorkerModule } from './worker.module';

runService({
  service: 'worker',
  module: WorkerModule,
  consumers: (config) => [
    {
      stream: STREAMS.commands,
      durable: `worker-${config.workerPool}`,
      filterSubject: subjects.workerPool(config.workerPool),
      family: 'cmd',
      concurrency: config.workerConcurrency,
      // Long agent calls keep the message with working(); a dead worker's task returns after 30 s.
      ackWaitMs: 30_000,
      maxDeliver: 5,
    },
  ],
});

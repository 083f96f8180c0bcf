import { STREAMS, subjects } from '@ideamine/contracts';
import { DECIDER_CONCURRENCY, runService } from '@ideamine/service-kit';
import { SchedulerModule } from './scheduler.module';

runService({
  service: 'scheduler',
  module: SchedulerModule,
  consumers: () => [
    { stream: STREAMS.events, durable: 'scheduler-phases', filterSubject: 'im.evt.*.phase.*', family: 'evt', concurrency: DECIDER_CONCURRENCY },
    { stream: STREAMS.events, durable: 'scheduler-tasks', filterSubject: 'im.evt.*.task.*', family: 'evt', concurrency: DECIDER_CONCURRENCY },
    { stream: STREAMS.events, durable: 'scheduler-gates', filterSubject: 'im.evt.*.gate.*', family: 'evt', concurrency: DECIDER_CONCURRENCY },
    { stream: STREAMS.events, durable: 'scheduler-supervision', filterSubject: 'im.evt.*.sup.*', family: 'evt', concurrency: DECIDER_CONCURRENCY },
    { stream: STREAMS.commands, durable: 'scheduler-commands', filterSubject: subjects.serviceCommands('scheduler'), family: 'cmd' },
  ],
});

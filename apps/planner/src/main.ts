import { STREAMS, subjects } from '@ideamine/contracts';
import { DECIDER_CONCURRENCY, runService } from '@ideamine/service-kit';
import { PlannerModule } from './planner.module';

runService({
  service: 'planner',
  module: PlannerModule,
  consumers: () => [
    { stream: STREAMS.commands, durable: 'planner-commands', filterSubject: subjects.serviceCommands('planner'), family: 'cmd' },
    { stream: STREAMS.events, durable: 'planner-gates', filterSubject: 'im.evt.*.gate.*', family: 'evt', concurrency: DECIDER_CONCURRENCY },
    // Usage of fanned-in phases (run budget) and budget failures of tasks (pause the run).
    { stream: STREAMS.events, durable: 'planner-evidence', filterSubject: 'im.evt.*.sched.*', family: 'evt', concurrency: DECIDER_CONCURRENCY },
    { stream: STREAMS.events, durable: 'planner-tasks', filterSubject: 'im.evt.*.task.*', family: 'evt', concurrency: DECIDER_CONCURRENCY },
  ],
});

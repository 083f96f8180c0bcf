import { STREAMS, subjects } from '@ideamine/contracts';
import { runService } from '@ideamine/service-kit';
import { PlannerModule } from './planner.module';

runService({
  service: 'planner',
  module: PlannerModule,
  // Only submits travel through IM_CMD; every other input of the planner is read from IM_EVENTS by its decider.
  consumers: () => [{ stream: STREAMS.commands, durable: 'planner-commands', filterSubject: subjects.serviceCommands('planner'), family: 'cmd' }],
});

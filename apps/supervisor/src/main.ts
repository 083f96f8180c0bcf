import { STREAMS, subjects } from '@ideamine/contracts';
import { runService } from '@ideamine/service-kit';
import { SupervisorModule } from './supervisor.module';

runService({
  service: 'supervisor',
  module: SupervisorModule,
  consumers: () => [
    { stream: STREAMS.events, durable: 'supervisor-tasks', filterSubject: 'im.evt.*.task.*', family: 'evt' },
    // Timers are redelivered until due, so deliveries are unlimited (-1).
    { stream: STREAMS.commands, durable: 'supervisor-commands', filterSubject: subjects.serviceCommands('supervisor'), family: 'cmd', maxDeliver: -1 },
  ],
});

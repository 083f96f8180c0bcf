import { STREAMS, subjects } from '@ideamine/contracts';
import { DECIDER_CONCURRENCY, runService } from '@ideamine/service-kit';
import { GatekeeperModule } from './gatekeeper.module';

runService({
  service: 'gatekeeper',
  module: GatekeeperModule,
  consumers: () => [
    { stream: STREAMS.events, durable: 'gatekeeper-phases', filterSubject: 'im.evt.*.phase.*', family: 'evt', concurrency: DECIDER_CONCURRENCY },
    { stream: STREAMS.events, durable: 'gatekeeper-evidence', filterSubject: 'im.evt.*.sched.*', family: 'evt', maxDeliver: 30, concurrency: DECIDER_CONCURRENCY },
    { stream: STREAMS.commands, durable: 'gatekeeper-commands', filterSubject: subjects.serviceCommands('gatekeeper'), family: 'cmd' },
  ],
});

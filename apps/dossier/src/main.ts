import { STREAMS, subjects } from '@ideamine/contracts';
import { runService } from '@ideamine/service-kit';
import { DossierModule } from './dossier.module';

runService({
  service: 'dossier',
  module: DossierModule,
  consumers: () => [
    { stream: STREAMS.events, durable: 'dossier-runs', filterSubject: 'im.evt.*.run.*', family: 'evt', ackWaitMs: 60_000 },
    { stream: STREAMS.commands, durable: 'dossier-commands', filterSubject: subjects.serviceCommands('dossier'), family: 'cmd', ackWaitMs: 60_000 },
  ],
});

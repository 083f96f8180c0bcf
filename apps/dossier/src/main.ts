import { STREAMS, subjects } from '@ideamine/contracts';
import { runService } from '@ideamine/service-kit';
import { DossierModule } from './dossier.module';

runService({
  service: 'dossier',
  module: DossierModule,
  // Compiles requested by the dossier decider (one per run.completed) and by the api (on demand).
  consumers: () => [{ stream: STREAMS.commands, durable: 'dossier-commands', filterSubject: subjects.serviceCommands('dossier'), family: 'cmd', ackWaitMs: 60_000 }],
});

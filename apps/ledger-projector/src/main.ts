import { runService } from '@ideamine/service-kit';
import { ProjectorModule } from './projector.module';

runService({ service: 'ledger-projector', module: ProjectorModule });

import { Module } from '@nestjs/common';
import { ServiceKitModule } from '@ideamine/service-kit';
import { SupervisorHandlers } from './supervisor.handlers';
import { AdvisoriesService } from './advisories.service';

@Module({ imports: [ServiceKitModule.forService('supervisor')], controllers: [SupervisorHandlers], providers: [AdvisoriesService] })
export class SupervisorModule {}

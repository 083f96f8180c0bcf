import { Module } from '@nestjs/common';
import { ServiceKitModule } from '@ideamine/service-kit';
import { supervisorDecider } from '@ideamine/deciders';
import { AdvisoriesService } from './advisories.service';

@Module({ imports: [ServiceKitModule.forService('supervisor', { decider: () => supervisorDecider })], providers: [AdvisoriesService] })
export class SupervisorModule {}

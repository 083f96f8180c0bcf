import { Module } from '@nestjs/common';
import { ServiceKitModule } from '@ideamine/service-kit';
import { schedulerDecider } from '@ideamine/deciders';

@Module({ imports: [ServiceKitModule.forService('scheduler', { decider: (config) => schedulerDecider(config.workerPool) })] })
export class SchedulerModule {}

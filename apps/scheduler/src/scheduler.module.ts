import { Module } from '@nestjs/common';
import { ServiceKitModule } from '@ideamine/service-kit';
import { SchedulerHandlers } from './scheduler.handlers';

@Module({ imports: [ServiceKitModule.forService('scheduler')], controllers: [SchedulerHandlers] })
export class SchedulerModule {}

import { Module } from '@nestjs/common';
import { ServiceKitModule } from '@ideamine/service-kit';
import { PlannerHandlers } from './planner.handlers';

@Module({ imports: [ServiceKitModule.forService('planner')], controllers: [PlannerHandlers] })
export class PlannerModule {}

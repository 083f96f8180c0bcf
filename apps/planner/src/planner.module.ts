import { Module } from '@nestjs/common';
import { ServiceKitModule } from '@ideamine/service-kit';
import { plannerDecider } from '@ideamine/deciders';
import { PlannerIntake } from './planner.intake';

@Module({ imports: [ServiceKitModule.forService('planner', { decider: () => plannerDecider })], controllers: [PlannerIntake] })
export class PlannerModule {}

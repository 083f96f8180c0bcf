import { Module } from '@nestjs/common';
import { ServiceKitModule } from '@ideamine/service-kit';
import { WorkerHandlers } from './worker.handlers';

@Module({ imports: [ServiceKitModule.forService('worker')], controllers: [WorkerHandlers] })
export class WorkerModule {}

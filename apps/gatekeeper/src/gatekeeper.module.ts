import { Module } from '@nestjs/common';
import { ServiceKitModule } from '@ideamine/service-kit';
import { GatekeeperHandlers } from './gatekeeper.handlers';

@Module({ imports: [ServiceKitModule.forService('gatekeeper')], controllers: [GatekeeperHandlers] })
export class GatekeeperModule {}

import { Module } from '@nestjs/common';
import { ServiceKitModule } from '@ideamine/service-kit';
import { gatekeeperDecider } from '@ideamine/deciders';

@Module({ imports: [ServiceKitModule.forService('gatekeeper', { decider: () => gatekeeperDecider })] })
export class GatekeeperModule {}

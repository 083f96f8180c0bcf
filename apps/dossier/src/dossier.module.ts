import { Module } from '@nestjs/common';
import { ServiceKitModule } from '@ideamine/service-kit';
import { dossierDecider } from '@ideamine/deciders';
import { DossierHandlers } from './dossier.handlers';

@Module({ imports: [ServiceKitModule.forService('dossier', { decider: () => dossierDecider })], controllers: [DossierHandlers] })
export class DossierModule {}

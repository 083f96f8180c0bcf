import { Module } from '@nestjs/common';
import { ServiceKitModule } from '@ideamine/service-kit';
import { DossierHandlers } from './dossier.handlers';

@Module({ imports: [ServiceKitModule.forService('dossier')], controllers: [DossierHandlers] })
export class DossierModule {}

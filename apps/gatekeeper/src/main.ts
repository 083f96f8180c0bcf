import { runService } from '@ideamine/service-kit';
import { GatekeeperModule } from './gatekeeper.module';

// Every input of the gatekeeper (evidence, waivers) is read from IM_EVENTS by its decider (ADR 0005).
runService({ service: 'gatekeeper', module: GatekeeperModule });

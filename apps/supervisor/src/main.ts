import { runService } from '@ideamine/service-kit';
import { SupervisorModule } from './supervisor.module';

// The supervisor's inputs are read from IM_EVENTS by its decider; its timers live in its state (ADR 0005).
runService({ service: 'supervisor', module: SupervisorModule });

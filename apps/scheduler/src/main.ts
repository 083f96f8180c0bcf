import { runService } from '@ideamine/service-kit';
import { SchedulerModule } from './scheduler.module';

// Every input of the scheduler is read from IM_EVENTS by its decider (ADR 0005).
runService({ service: 'scheduler', module: SchedulerModule });

import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CommandEnvelope, deriveEventId, EventEnvelope, newEvent } from '@ideamine/contracts';
import { JetStreamContext, RetryLaterError, RethrowRpcErrors } from '@ideamine/jetstream';
import { EventPublisher } from '@ideamine/service-kit';
import { decideRetry } from './retry/retry-policy';

/** Retries failed tasks by error class through durable timers; quarantines what cannot be retried. */
@Controller()
@UseFilters(RethrowRpcErrors)
export class SupervisorHandlers {
  constructor(private readonly publisher: EventPublisher) {}

  @EventPattern('task.failed')
  async taskFailed(@Payload() env: EventEnvelope<'task.failed'>, @Ctx() ctx: JetStreamContext) {
    const p = env.payload;
    const cause = { id: env.id, correlationId: env.correlationId, runId: env.runId };
    const ref = { taskId: p.taskId, phase: p.phase, agent: p.agent, attempt: p.attempt };
    // A task stopped by its budget is parked, not lost: the planner pauses the run and re-runs the
    // task when the budget is extended.
    if (p.errorClass === 'budget') return;
    const d = decideRetry(p.errorClass, p.retryable, p.attempt);
    if (!d.retry) {
      ctx.logger.warn({ taskId: p.taskId, reason: d.reason }, 'quarantining task');
      await this.publisher.publishEvents(cause, [newEvent('task.quarantined', p.taskId, { ...ref, reason: `${d.reason}: ${p.message}`.slice(0, 2000) })]);
      return;
    }
    const dueAt = new Date(Date.parse(env.occurredAt) + d.delayMs).toISOString();
    const timerId = `retry-${p.taskId}-${d.nextAttempt}`;
    await this.publisher.publishEvents(cause, [
      newEvent('task.retry_scheduled', p.taskId, { ...ref, nextAttempt: d.nextAttempt, dueAt, errorClass: p.errorClass }),
      newEvent('timer.scheduled', timerId, { timerId, dueAt, purpose: `retry ${p.taskId} (attempt ${d.nextAttempt})` }),
    ]);
    await this.publisher.sendCommand('fire-timer', env.runId, timerId, { timerId, dueAt, action: 'retry-task', phase: p.phase, taskId: p.taskId, attempt: d.nextAttempt }, {
      id: deriveEventId(env.id, `timer:${timerId}`), causationId: env.id, correlationId: env.correlationId,
    });
  }

  /** Never fires early (naks until due) and once (the command is acked after acting; ids dedupe). */
  @EventPattern('fire-timer')
  async fireTimer(@Payload() env: CommandEnvelope<'fire-timer'>) {
    const p = env.payload;
    const wait = Date.parse(p.dueAt) - Date.now();
    if (wait > 0) throw new RetryLaterError(`timer ${p.timerId} due in ${wait} ms`, wait);
    const cause = { id: env.id, correlationId: env.correlationId, runId: env.runId };
    await this.publisher.sendCommand('retry-task', env.runId, p.taskId, { phase: p.phase, taskId: p.taskId, attempt: p.attempt, requestedBy: 'supervisor' }, {
      id: deriveEventId(env.id, 'fire'), causationId: env.id, correlationId: env.correlationId,
    });
    await this.publisher.publishEvents(cause, [newEvent('timer.fired', p.timerId, { timerId: p.timerId, firedAt: new Date(Math.max(Date.now(), Date.parse(p.dueAt))).toISOString() })]);
  }
}

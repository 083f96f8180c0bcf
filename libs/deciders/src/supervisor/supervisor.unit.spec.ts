import { newEvent } from '@ideamine/contracts';
import { fact, given } from '@ideamine/decider/testing';
import { retryTimerId, supervisorDecider, SupervisorState } from './supervisor.decider';

const ref = { taskId: 't-1', phase: 'prd', agent: 'PRDWriterAgent', attempt: 1 };
const failed = (errorClass: 'transient' | 'fatal' | 'budget', attempt = 1, at = '2026-01-01T00:00:00.000Z') =>
  fact(newEvent('task.failed', 't-1', { ...ref, attempt, errorClass, retryable: errorClass === 'transient', message: 'boom' }), { occurredAt: at });

describe('supervisor decider', () => {
  it('schedules a retry as a durable timer due after the class backoff, counted from the failure', () => {
    const t = given<SupervisorState>(supervisorDecider, []).when(failed('transient'));
    t.then([
      { type: 'task.retry_scheduled', payload: { nextAttempt: 2, dueAt: '2026-01-01T00:00:01.000Z' } },
      { type: 'timer.scheduled', payload: { timerId: retryTimerId('t-1', 2), dueAt: '2026-01-01T00:00:01.000Z', action: { kind: 'retry-task', phase: 'prd', taskId: 't-1', attempt: 2 } } },
    ]);
    expect(supervisorDecider.wakeAt!(t.state)).toBe(Date.parse('2026-01-01T00:00:01.000Z'));
  });

  it('never fires a timer early, fires it once with its own id, and not after the run ended', () => {
    const t = given<SupervisorState>(supervisorDecider, []).when(failed('transient'));
    const due = Date.parse('2026-01-01T00:00:01.000Z');
    expect(supervisorDecider.tick!(t.state, due - 1)).toEqual([]);
    const [tick] = supervisorDecider.tick!(t.state, due + 250);
    expect(tick.key).toBe(`timer:${retryTimerId('t-1', 2)}`);
    expect(tick.event).toMatchObject({ type: 'timer.fired', payload: { firedAt: '2026-01-01T00:00:01.250Z' } });
    const fired = t.andWhen(tick.event);
    expect(supervisorDecider.tick!(fired.state, due + 5000)).toEqual([]);
    expect(supervisorDecider.wakeAt!(fired.state)).toBeUndefined();
    const ended = t.andWhen(newEvent('run.cancelled', '_', { reason: 'x' }));
    expect(supervisorDecider.tick!(ended.state, due + 5000)).toEqual([]);
  });

  it('quarantines what cannot be retried and leaves budget failures to the planner', () => {
    given<SupervisorState>(supervisorDecider, []).when(failed('fatal')).then([{ type: 'task.quarantined', payload: { taskId: 't-1' } }]);
    given<SupervisorState>(supervisorDecider, []).when(failed('transient', 5)).then([{ type: 'task.quarantined' }]);
    given<SupervisorState>(supervisorDecider, []).when(failed('budget')).thenNothing();
  });

  it('does not schedule the same retry twice', () => {
    const t = given<SupervisorState>(supervisorDecider, []).when(failed('transient'));
    expect(t.andWhen(failed('transient')).decision.ignored).toMatch(/already scheduled/);
  });
});

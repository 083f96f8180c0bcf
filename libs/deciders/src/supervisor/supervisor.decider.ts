import { EventPayload, EventType, newEvent } from '@ideamine/contracts';
import { Decider, ignore, NOTHING } from '@ideamine/decider';
import { decideRetry } from './retry-policy';

type TimerAction = EventPayload<'timer.scheduled'>['action'];

export interface SupervisedTimer {
  dueAt: string;
  action: TimerAction;
  fired: boolean;
}

/** The supervisor's view of a run: attempts it watches and the durable timers it owns. */
export interface SupervisorState {
  runId: string;
  timers: Record<string, SupervisedTimer>;
  stopped: boolean;
}

const OBSERVES: EventType[] = ['task.failed', 'task.retry_scheduled', 'task.quarantined', 'timer.scheduled', 'timer.fired', 'run.cancelled', 'run.failed', 'run.completed'];

export const retryTimerId = (taskId: string, attempt: number) => `retry-${taskId}-${attempt}`;

/**
 * The supervisor: retries failed attempts by error class through durable timers and quarantines what
 * cannot be retried. A timer is an event (timer.scheduled); when it is due, `tick` appends
 * timer.fired — once, with the timer's own id and optimistic concurrency on its subject — and the
 * scheduler reacts to that by sending the next attempt.
 */
export const supervisorDecider: Decider<SupervisorState> = {
  service: 'supervisor',
  owns: ['sup'],
  observes: new Set(OBSERVES),
  initialState: (runId) => ({ runId, timers: {}, stopped: false }),

  evolve(state, { event: e }) {
    switch (e.type) {
      case 'timer.scheduled':
        if (state.timers[e.payload.timerId]) return state;
        return { ...state, timers: { ...state.timers, [e.payload.timerId]: { dueAt: e.payload.dueAt, action: e.payload.action, fired: false } } };
      case 'timer.fired': {
        const t = state.timers[e.payload.timerId];
        return t ? { ...state, timers: { ...state.timers, [e.payload.timerId]: { ...t, fired: true } } } : state;
      }
      case 'run.cancelled':
      case 'run.failed':
      case 'run.completed':
        return { ...state, stopped: true };
      default:
        // task.failed, task.retry_scheduled, task.quarantined: decided on or recorded by their own events.
        return state;
    }
  },

  decide(state, { event: e }) {
    if (e.type !== 'task.failed') return NOTHING;
    const p = e.payload;
    // A task stopped by its budget is parked, not lost: the planner pauses the run and the scheduler
    // sends it again after an extension.
    if (p.errorClass === 'budget') return NOTHING;
    if (state.stopped) return ignore(`run is over; ${p.taskId} is not retried`);
    const ref = { taskId: p.taskId, phase: p.phase, agent: p.agent, attempt: p.attempt };
    const d = decideRetry(p.errorClass, p.retryable, p.attempt);
    if (!d.retry) return { events: [newEvent('task.quarantined', p.taskId, { ...ref, reason: `${d.reason}: ${p.message}`.slice(0, 2000) })] };
    const timerId = retryTimerId(p.taskId, d.nextAttempt);
    if (state.timers[timerId]) return ignore(`retry ${timerId} already scheduled`);
    // A provider's Retry-After is a floor: retrying sooner only earns another 429.
    const dueAt = new Date(Date.parse(e.occurredAt) + Math.max(d.delayMs, p.retryAfterMs ?? 0)).toISOString();
    return {
      events: [
        newEvent('task.retry_scheduled', p.taskId, { ...ref, nextAttempt: d.nextAttempt, dueAt, errorClass: p.errorClass }),
        newEvent('timer.scheduled', timerId, { timerId, dueAt, purpose: `retry ${p.taskId} (attempt ${d.nextAttempt})`, action: { kind: 'retry-task', phase: p.phase, taskId: p.taskId, attempt: d.nextAttempt } }),
      ],
    };
  },

  wakeAt(state) {
    if (state.stopped) return undefined;
    let next: number | undefined;
    for (const t of Object.values(state.timers)) {
      if (t.fired) continue;
      const at = Date.parse(t.dueAt);
      if (next === undefined || at < next) next = at;
    }
    return next;
  },

  tick(state, nowMs) {
    if (state.stopped) return [];
    return Object.entries(state.timers)
      .filter(([, t]) => !t.fired && Date.parse(t.dueAt) <= nowMs)
      .map(([timerId, t]) => ({
        key: `timer:${timerId}`,
        atMs: Date.parse(t.dueAt),
        // Never before its due time: a late tick says when it really fired.
        event: newEvent('timer.fired', timerId, { timerId, firedAt: new Date(Math.max(nowMs, Date.parse(t.dueAt))).toISOString(), action: t.action }),
      }));
  },
};

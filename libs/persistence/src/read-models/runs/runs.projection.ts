import type { Usage } from '@ideamine/contracts';
import { defineProjection, patch } from '../../projection/projection';
import type { ProjectedEvent } from '../../projection/messages';
import { RunEntity } from './runs.entity';
import { RUNS_SQL } from './runs.sql';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const at = (e: ProjectedEvent) => new Date(e.envelope.occurredAt);
const ZERO: Usage = { tokens: 0, usd: 0, toolMinutes: 0, wallclockMs: 0 };
// Sums of floats in stream order are the same in every replay; rounding keeps 0.1 + 0.2 readable.
const round9 = (x: number) => Math.round(x * 1e9) / 1e9;
export const addUsage = (a: Usage, b: Usage): Usage => ({
  tokens: a.tokens + b.tokens, usd: round9(a.usd + b.usd), toolMinutes: round9(a.toolMinutes + b.toolMinutes), wallclockMs: a.wallclockMs + b.wallclockMs,
});

/** A status change, unless the run already ended (a late pause after completion changes nothing). */
const status = (e: ProjectedEvent, next: string, reason?: string | null, finished = false) => (r: RunEntity | undefined) =>
  !r || TERMINAL.has(r.status)
    ? r
    : patch(r, { status: next, reason: reason === undefined ? r.reason : reason, updatedAt: at(e), ...(finished ? { finishedAt: at(e) } : {}), ...(next === 'running' && !r.startedAt ? { startedAt: at(e) } : {}) });

const touch = (e: ProjectedEvent) => (r: RunEntity | undefined) => (r ? patch(r, { updatedAt: at(e) }) : r);

export const runsProjection = defineProjection({
  name: 'runs',
  version: 1,
  tables: { runs: RunEntity },
  sql: RUNS_SQL,
  on: {
    'run.requested': (e, t) => {
      const p = e.envelope.payload;
      t.runs.upsert({ runId: e.envelope.runId }, (r) => r ?? {
        runId: e.envelope.runId, status: 'pending', idea: p.input.idea, targetUsers: p.input.targetUsers, constraints: p.input.constraints,
        configSet: p.configSet, budget: p.budget, usage: ZERO, reportedUsage: null, levels: null, criticalPath: null, estimatedMinutes: null,
        reason: null, dossier: null, createdAt: at(e), startedAt: null, finishedAt: null, updatedAt: at(e),
      });
    },
    'run.planned': (e, t) => {
      const p = e.envelope.payload;
      t.runs.upsert({ runId: e.envelope.runId }, (r) => r && patch(r, { levels: p.levels, criticalPath: p.criticalPath, estimatedMinutes: p.estimatedMinutes, updatedAt: at(e) }));
    },
    'run.started': (e, t) => t.runs.upsert({ runId: e.envelope.runId }, status(e, 'running')),
    'run.resumed': (e, t) => t.runs.upsert({ runId: e.envelope.runId }, status(e, 'running')),
    'run.paused': (e, t) => t.runs.upsert({ runId: e.envelope.runId }, status(e, 'paused', e.envelope.payload.reason)),
    'run.failed': (e, t) => t.runs.upsert({ runId: e.envelope.runId }, status(e, 'failed', e.envelope.payload.reason, true)),
    'run.cancelled': (e, t) => t.runs.upsert({ runId: e.envelope.runId }, status(e, 'cancelled', e.envelope.payload.reason, true)),
    'run.completed': (e, t) => {
      const reported = e.envelope.payload.usage;
      t.runs.upsert({ runId: e.envelope.runId }, (r) => {
        const next = status(e, 'completed', undefined, true)(r);
        return next && next !== r ? patch(next, { reportedUsage: reported }) : next;
      });
    },
    'budget.exhausted': (e, t) => {
      const p = e.envelope.payload;
      const reason = `budget exhausted: ${p.scope}${p.phase ? ` ${p.phase}` : ''}${p.agent ? ` ${p.agent}` : ''} ${p.dimension} ${p.used}/${p.limit}`;
      t.runs.upsert({ runId: e.envelope.runId }, (r) => r && patch(r, { reason, updatedAt: at(e) }));
    },
    'budget.extended': (e, t) => t.runs.upsert({ runId: e.envelope.runId }, (r) => r && patch(r, { budget: e.envelope.payload.newLimit, updatedAt: at(e) })),
    'phase.started': (e, t) => t.runs.upsert({ runId: e.envelope.runId }, touch(e)),
    'phase.completed': (e, t) => t.runs.upsert({ runId: e.envelope.runId }, touch(e)),
    'phase.failed': (e, t) => t.runs.upsert({ runId: e.envelope.runId }, touch(e)),
    'phase.blocked': (e, t) => t.runs.upsert({ runId: e.envelope.runId }, touch(e)),
    // A replayed success was served from the call journal: nothing was paid for it.
    'task.succeeded': (e, t) => {
      const p = e.envelope.payload;
      if (p.replayed) return;
      t.runs.upsert({ runId: e.envelope.runId }, (r) => r && patch(r, { usage: addUsage(r.usage, p.usage), updatedAt: at(e) }));
    },
    'dossier.compiled': (e, t) => t.runs.upsert({ runId: e.envelope.runId }, (r) => r && patch(r, { dossier: e.envelope.payload, updatedAt: at(e) })),
  },
});

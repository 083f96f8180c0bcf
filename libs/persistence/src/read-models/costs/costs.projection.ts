import type { EventPayload } from '@ideamine/contracts';
import { defineProjection } from '../../projection/projection';
import { CostEntity } from './costs.entity';
import { COSTS_SQL } from './costs.sql';

/**
 * Provider and model are not in the catalog's Usage yet; read them when a producer sends them (in
 * usage or next to it) so the breakdown fills in as soon as the contract carries them.
 */
function named(p: EventPayload<'task.succeeded'>, key: 'provider' | 'model'): string {
  const u: object = p.usage;
  if (key in u) {
    const v = (u as Record<string, unknown>)[key];
    if (typeof v === 'string' && v) return v;
  }
  if (key in p) {
    const v = (p as Record<string, unknown>)[key];
    if (typeof v === 'string' && v) return v;
  }
  return 'unknown';
}

export const costsProjection = defineProjection({
  name: 'costs',
  version: 1,
  tables: { costs: CostEntity },
  sql: COSTS_SQL,
  on: {
    'task.succeeded': (e, t) => {
      const p = e.envelope.payload;
      t.costs.insert({
        eventId: e.envelope.id, seq: String(e.seq), runId: e.envelope.runId, phase: p.phase, agent: p.agent, taskId: p.taskId, attempt: p.attempt,
        provider: named(p, 'provider'), model: named(p, 'model'), tokens: String(p.usage.tokens), usd: String(p.usage.usd), toolMinutes: p.usage.toolMinutes,
        wallclockMs: String(p.usage.wallclockMs), replayed: p.replayed, occurredAt: new Date(e.envelope.occurredAt),
      });
    },
  },
});

import { defineProjection, patch } from '../../projection/projection';
import { WaiverEntity } from './waivers.entity';

export const waiversProjection = defineProjection({
  name: 'waivers',
  version: 1,
  tables: { waivers: WaiverEntity },
  on: {
    'waiver.granted': (e, t) => {
      const p = e.envelope.payload;
      const at = new Date(e.envelope.occurredAt);
      t.waivers.upsert({ runId: e.envelope.runId, phase: p.phase, guard: p.guard }, (r) => ({
        runId: e.envelope.runId, phase: p.phase, guard: p.guard, status: 'active', reason: p.reason, grantedBy: p.grantedBy, grantedAt: at,
        expiresAt: new Date(p.expiresAt), grants: (r?.grants ?? 0) + 1, revokedAt: null, revokeReason: null, expiredAt: null,
      }));
    },
    'waiver.revoked': (e, t) => {
      const p = e.envelope.payload;
      t.waivers.upsert({ runId: e.envelope.runId, phase: p.phase, guard: p.guard }, (r) =>
        r && r.status === 'active' ? patch(r, { status: 'revoked', revokedAt: new Date(e.envelope.occurredAt), revokeReason: p.reason }) : r);
    },
    'waiver.expired': (e, t) => {
      const p = e.envelope.payload;
      t.waivers.upsert({ runId: e.envelope.runId, phase: p.phase, guard: p.guard }, (r) =>
        r && r.status === 'active' ? patch(r, { status: 'expired', expiredAt: new Date(e.envelope.occurredAt) }) : r);
    },
  },
});

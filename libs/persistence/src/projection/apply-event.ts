import { canonicalJson, EventEnvelope, sha256Hex } from '@ideamine/contracts';
import { Sql, assertSchemaName } from './sql';
import { ledgerHash } from './ledger-hash';

const j = (v: unknown) => JSON.stringify(v ?? null);

/**
 * Applies one event to the read models in `schema`. Returns false when the event id was already
 * projected (a republished duplicate): nothing else is touched then. Every value comes from the
 * event, so live projection and replay write identical rows.
 */
export async function applyEvent(sql: Sql, schema: string, seq: number, subject: string, env: EventEnvelope, prevHash: string): Promise<{ applied: boolean; hash: string }> {
  const s = assertSchemaName(schema);
  const inserted = await sql.query(
    `INSERT INTO ${s}.events (seq, id, run_id, type, subject, aggregate_id, occurred_at, producer, causation_id, correlation_id, payload)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (id) DO NOTHING RETURNING seq`,
    [seq, env.id, env.runId, env.type, subject, env.aggregateId, env.occurredAt, j(env.producer), env.causationId, env.correlationId, j(env.payload)],
  );
  if (inserted.length === 0) return { applied: false, hash: prevHash };
  const payloadSha256 = sha256Hex(canonicalJson(env.payload));
  const hash = ledgerHash(prevHash, { seq, eventId: env.id, runId: env.runId, type: env.type, payloadSha256 });
  await sql.query(`INSERT INTO ${s}.ledger (seq, event_id, run_id, type, payload_sha256, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7)`, [seq, env.id, env.runId, env.type, payloadSha256, prevHash, hash]);
  await projectReadModels(sql, s, env);
  return { applied: true, hash };
}

async function runStatus(sql: Sql, s: string, env: EventEnvelope, status: string, reason?: string) {
  await sql.query(`UPDATE ${s}.runs SET status = $2, reason = COALESCE($3, reason), updated_at = $4 WHERE run_id = $1`, [env.runId, status, reason ?? null, env.occurredAt]);
}

async function phaseUpdate(sql: Sql, s: string, env: EventEnvelope, phase: string, sets: string, params: unknown[]) {
  await sql.query(`UPDATE ${s}.phases SET ${sets} WHERE run_id = $1 AND phase = $2`, [env.runId, phase, ...params]);
  await sql.query(`UPDATE ${s}.runs SET updated_at = $2 WHERE run_id = $1`, [env.runId, env.occurredAt]);
}

async function taskUpdate(sql: Sql, s: string, taskId: string, sets: string, params: unknown[], guard = '') {
  await sql.query(`UPDATE ${s}.tasks SET ${sets} WHERE task_id = $1 ${guard}`, [taskId, ...params]);
}

async function projectReadModels(sql: Sql, s: string, env: EventEnvelope): Promise<void> {
  const p = env.payload as any;
  const at = env.occurredAt;
  switch (env.type) {
    case 'run.requested':
      await sql.query(
        `INSERT INTO ${s}.runs (run_id, status, idea, target_users, constraints, config_set, budget, usage, created_at, updated_at)
         VALUES ($1,'pending',$2,$3,$4,$5,$6,$7,$8,$8) ON CONFLICT (run_id) DO NOTHING`,
        [env.runId, p.input.idea, j(p.input.targetUsers), j(p.input.constraints), p.configSet, j(p.budget), j({ tokens: 0, usd: 0, toolMinutes: 0, wallclockMs: 0 }), at],
      );
      return;
    case 'run.planned': {
      await sql.query(`UPDATE ${s}.runs SET levels = $2, critical_path = $3, estimated_minutes = $4, updated_at = $5 WHERE run_id = $1`, [env.runId, j(p.levels), j(p.criticalPath), p.estimatedMinutes, at]);
      const levelOf = new Map<string, number>();
      (p.levels as string[][]).forEach((names, i) => names.forEach((n) => levelOf.set(n, i)));
      for (const c of p.phases) {
        await sql.query(
          `INSERT INTO ${s}.phases (run_id, phase, status, level, depends_on, agents, parallelism) VALUES ($1,$2,'pending',$3,$4,$5,$6) ON CONFLICT DO NOTHING`,
          [env.runId, c.phase, levelOf.get(c.phase) ?? 0, j(c.dependsOn), j(c.agents), String(c.parallelism)],
        );
      }
      return;
    }
    case 'run.started':
    case 'run.resumed':
      return runStatus(sql, s, env, 'running');
    case 'run.paused':
      return runStatus(sql, s, env, 'paused', p.reason);
    case 'run.completed':
      return runStatus(sql, s, env, 'completed');
    case 'run.failed':
      return runStatus(sql, s, env, 'failed', p.reason);
    case 'run.cancelled':
      return runStatus(sql, s, env, 'cancelled', p.reason);
    case 'budget.exhausted':
      await sql.query(`UPDATE ${s}.runs SET reason = $2, updated_at = $3 WHERE run_id = $1`, [env.runId, `budget exhausted: ${p.scope}${p.phase ? ` ${p.phase}` : ''}${p.agent ? ` ${p.agent}` : ''} ${p.dimension} ${p.used}/${p.limit}`, at]);
      return;
    case 'budget.extended':
      await sql.query(`UPDATE ${s}.runs SET budget = $2, updated_at = $3 WHERE run_id = $1`, [env.runId, j(p.newLimit), at]);
      return;
    case 'phase.started':
      return phaseUpdate(sql, s, env, p.phase, `status = 'running', started_at = COALESCE(started_at, $3)`, [at]);
    case 'phase.progress':
      return phaseUpdate(sql, s, env, p.phase, `tasks_done = $3, tasks_total = $4`, [p.done, p.total]);
    case 'phase.aggregated':
      return phaseUpdate(sql, s, env, p.phase, `status = 'gating', evidence_pack = $3, usage = $4, gate_attempts = $5`, [j(p.evidencePack), j(p.usage), p.gateAttempt]);
    case 'gate.evaluated':
      return phaseUpdate(sql, s, env, p.phase, `score = $3`, [p.score]);
    case 'gate.failed':
      return p.final ? undefined : phaseUpdate(sql, s, env, p.phase, `status = 'fixing', reason = $3`, [p.reasons.join('; ')]);
    case 'autofix.started':
      return phaseUpdate(sql, s, env, p.phase, `status = 'running', tasks_done = 0`, []);
    case 'phase.completed':
      return phaseUpdate(sql, s, env, p.phase, `status = 'completed', finished_at = $3, score = $4, evidence_pack = $5, reason = NULL`, [at, p.score, j(p.evidencePack)]);
    case 'phase.failed':
      return phaseUpdate(sql, s, env, p.phase, `status = 'failed', finished_at = $3, reason = $4`, [at, p.reason]);
    case 'phase.blocked':
      return phaseUpdate(sql, s, env, p.phase, `status = 'blocked', reason = $3`, [p.reason]);
    case 'task.scheduled':
      await sql.query(
        `INSERT INTO ${s}.tasks (task_id, run_id, phase, agent, status, attempt, gate_attempt, iteration, shard, idempotence_key, scheduled_at)
         VALUES ($1,$2,$3,$4,'scheduled',$5,$6,$7,$8,$9,$10) ON CONFLICT (task_id) DO NOTHING`,
        [p.taskId, env.runId, p.phase, p.agent, p.attempt, p.gateAttempt, p.iteration, p.shard, p.idempotenceKey, at],
      );
      return;
    case 'task.claimed':
      return taskUpdate(sql, s, p.taskId, `status = 'running', attempt = $2, worker_id = $3, started_at = COALESCE(started_at, $4)`, [p.attempt, p.workerId, at], `AND status <> 'succeeded'`);
    case 'task.succeeded':
      await taskUpdate(sql, s, p.taskId, `status = 'succeeded', usage = $2, result = $3, finished_at = $4, error_class = NULL, message = NULL`, [j(p.usage), j(p.result), at], `AND status <> 'succeeded'`);
      await sql.query(
        `UPDATE ${s}.runs SET updated_at = $2, usage = (
           SELECT jsonb_build_object(
             'tokens', COALESCE(sum((usage->>'tokens')::bigint), 0),
             'usd', COALESCE(round(sum((usage->>'usd')::numeric), 6), 0),
             'toolMinutes', COALESCE(sum((usage->>'toolMinutes')::numeric), 0),
             'wallclockMs', COALESCE(sum((usage->>'wallclockMs')::bigint), 0))
           FROM ${s}.tasks WHERE run_id = $1 AND status = 'succeeded') WHERE run_id = $1`,
        [env.runId, at],
      );
      return;
    case 'task.failed':
      return taskUpdate(sql, s, p.taskId, `status = 'failed', error_class = $2, message = $3, finished_at = $4`, [p.errorClass, p.message, at], `AND status <> 'succeeded'`);
    case 'task.retry_scheduled':
      return taskUpdate(sql, s, p.taskId, `status = 'retrying', attempt = $2`, [p.nextAttempt], `AND status <> 'succeeded'`);
    case 'task.stalled':
      return taskUpdate(sql, s, p.taskId, `status = 'stalled'`, [], `AND status = 'running'`);
    case 'task.quarantined':
      return taskUpdate(sql, s, p.taskId, `status = 'quarantined', message = $2`, [p.reason], `AND status <> 'succeeded'`);
    case 'artifact.stored':
      await sql.query(
        `INSERT INTO ${s}.artifacts (sha256, run_id, kind, task_id, phase, size, content_type) VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT DO NOTHING`,
        [p.artifact.sha256, env.runId, p.artifact.kind, p.taskId, p.phase, p.artifact.size, p.artifact.contentType],
      );
      return;
    case 'dossier.compiled':
      await sql.query(`UPDATE ${s}.runs SET dossier = $2, updated_at = $3 WHERE run_id = $1`, [env.runId, j(p), at]);
      return;
    default:
      return;
  }
}

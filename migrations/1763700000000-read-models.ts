import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models live in schema "rm" together with their checkpoint, so a rebuild can fill "rm_next"
 * and swap schemas in one transaction. Every column is derived from events (occurredAt, never now()),
 * so a replay produces byte-identical rows.
 */
export class ReadModels1763700000000 implements MigrationInterface {
  name = 'ReadModels1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS rm`);
    await q.query(`CREATE TABLE rm.checkpoint (
      projection text PRIMARY KEY,
      version integer NOT NULL,
      last_seq bigint NOT NULL DEFAULT 0
    )`);
    await q.query(`CREATE TABLE rm.events (
      seq bigint PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      run_id text NOT NULL,
      type text NOT NULL,
      subject text NOT NULL,
      aggregate_id text NOT NULL,
      occurred_at timestamptz NOT NULL,
      producer jsonb NOT NULL,
      causation_id uuid,
      correlation_id uuid NOT NULL,
      payload jsonb NOT NULL
    )`);
    await q.query(`CREATE INDEX events_run_idx ON rm.events (run_id, seq)`);
    await q.query(`CREATE TABLE rm.rejected_events (
      seq bigint PRIMARY KEY,
      subject text NOT NULL,
      reason text NOT NULL
    )`);
    await q.query(`CREATE TABLE rm.runs (
      run_id text PRIMARY KEY,
      status text NOT NULL,
      idea text NOT NULL,
      target_users jsonb NOT NULL,
      constraints jsonb NOT NULL,
      config_set text NOT NULL,
      budget jsonb NOT NULL,
      usage jsonb NOT NULL,
      levels jsonb,
      critical_path jsonb,
      estimated_minutes double precision,
      reason text,
      dossier jsonb,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX runs_created_idx ON rm.runs (created_at DESC)`);
    await q.query(`CREATE TABLE rm.phases (
      run_id text NOT NULL,
      phase text NOT NULL,
      status text NOT NULL,
      level integer NOT NULL,
      depends_on jsonb NOT NULL,
      agents jsonb NOT NULL,
      parallelism text NOT NULL,
      started_at timestamptz,
      finished_at timestamptz,
      score double precision,
      gate_attempts integer NOT NULL DEFAULT 0,
      tasks_done integer NOT NULL DEFAULT 0,
      tasks_total integer NOT NULL DEFAULT 0,
      evidence_pack jsonb,
      usage jsonb,
      reason text,
      PRIMARY KEY (run_id, phase)
    )`);
    await q.query(`CREATE TABLE rm.tasks (
      task_id text PRIMARY KEY,
      run_id text NOT NULL,
      phase text NOT NULL,
      agent text NOT NULL,
      status text NOT NULL,
      attempt integer NOT NULL,
      gate_attempt integer NOT NULL,
      iteration integer NOT NULL,
      shard integer NOT NULL,
      idempotence_key text NOT NULL,
      worker_id text,
      error_class text,
      message text,
      usage jsonb,
      result jsonb,
      scheduled_at timestamptz NOT NULL,
      started_at timestamptz,
      finished_at timestamptz
    )`);
    await q.query(`CREATE INDEX tasks_run_idx ON rm.tasks (run_id, phase)`);
    await q.query(`CREATE TABLE rm.artifacts (
      sha256 text NOT NULL,
      run_id text NOT NULL,
      kind text NOT NULL,
      task_id text,
      phase text,
      size bigint NOT NULL,
      content_type text NOT NULL,
      PRIMARY KEY (run_id, sha256, kind)
    )`);
    await q.query(`CREATE TABLE rm.ledger (
      seq bigint PRIMARY KEY,
      event_id uuid NOT NULL,
      run_id text NOT NULL,
      type text NOT NULL,
      payload_sha256 text NOT NULL,
      prev_hash text NOT NULL,
      hash text NOT NULL
    )`);
    // The ledger is append-only: updates and deletes are refused by the database itself.
    await q.query(`CREATE OR REPLACE FUNCTION public.im_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'ledger is append-only'; END $$`);
    await q.query(`CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON rm.ledger FOR EACH ROW EXECUTE FUNCTION public.im_ledger_append_only()`);
    await q.query(`INSERT INTO rm.checkpoint (projection, version, last_seq) VALUES ('read-models', 1, 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA rm CASCADE`);
    await q.query(`DROP FUNCTION IF EXISTS public.im_ledger_append_only()`);
  }
}

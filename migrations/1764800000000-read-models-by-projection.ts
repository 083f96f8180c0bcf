import { MigrationInterface, QueryRunner } from 'typeorm';
import { ensureReadModels, READ_MODELS } from '@ideamine/persistence';

/**
 * Read models by projection (ADR 0007): one checkpoint row per projection, tables created from the
 * registry's entities. Read models are projections of the stream, so the old layout is dropped, not
 * converted: the projector fills the new tables from the stream when it starts.
 */
export class ReadModelsByProjection1764800000000 implements MigrationInterface {
  name = 'ReadModelsByProjection1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS rm_replay CASCADE`);
    await q.query(`DROP SCHEMA IF EXISTS rm_next CASCADE`);
    await q.query(`DROP SCHEMA IF EXISTS rm CASCADE`);
    await q.query(`DROP FUNCTION IF EXISTS public.im_ledger_append_only() CASCADE`);
    await ensureReadModels(q.connection, READ_MODELS, q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA IF EXISTS rm_replay CASCADE`);
    await q.query(`DROP SCHEMA IF EXISTS rm CASCADE`);
  }
}

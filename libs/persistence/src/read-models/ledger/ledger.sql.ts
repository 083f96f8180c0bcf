import type { SqlObject } from '../../projection/projection';

/**
 * The guard lives in the live schema and serves the ledger of any schema (a replay's too). It lets
 * through only the deletes that cleanup_old_ledger_entries announces for the chain's oldest part.
 */
export const ledgerGuardDdl = (schema: string): string[] => [
  `CREATE OR REPLACE FUNCTION rm.ledger_guard() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'DELETE' THEN
      IF OLD.position <= coalesce(nullif(current_setting('im.ledger_retention_upto', true), ''), '0')::bigint THEN
        RETURN OLD;
      END IF;
    END IF;
    RAISE EXCEPTION 'ledger is append-only: % refused on %.%', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME;
  END $$`,
  `CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON "${schema}".ledger FOR EACH ROW EXECUTE FUNCTION rm.ledger_guard()`,
  `CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON "${schema}".ledger FOR EACH STATEMENT EXECUTE FUNCTION rm.ledger_guard()`,
];

export const LEDGER_SQL: SqlObject[] = [
  {
    name: 'cleanup_old_ledger_entries',
    kind: 'function',
    // Retention for the read model only (the stream keeps everything). The chain stays verifiable:
    // the last removed entry becomes an anchor that verify starts from.
    create: (s) => `CREATE OR REPLACE FUNCTION "${s}".cleanup_old_ledger_entries(keep_days integer) RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE cut bigint; cut_hash text; removed bigint;
    BEGIN
      SELECT min(position) - 1 INTO cut FROM "${s}".ledger WHERE occurred_at >= now() - make_interval(days => keep_days);
      IF cut IS NULL THEN SELECT max(position) INTO cut FROM "${s}".ledger; END IF;
      IF cut IS NULL OR cut < 1 THEN RETURN 0; END IF;
      SELECT hash INTO cut_hash FROM "${s}".ledger WHERE position = cut;
      IF cut_hash IS NULL THEN RETURN 0; END IF;
      INSERT INTO "${s}".ledger_anchor (position, hash, cut_at) VALUES (cut, cut_hash, now()) ON CONFLICT DO NOTHING;
      PERFORM set_config('im.ledger_retention_upto', cut::text, true);
      DELETE FROM "${s}".ledger WHERE position <= cut;
      GET DIAGNOSTICS removed = ROW_COUNT;
      PERFORM set_config('im.ledger_retention_upto', '', true);
      RETURN removed;
    END $$`,
  },
];

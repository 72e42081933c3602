import pg from 'pg';
import type { StackConfig } from '../stack-config.ts';
import { pgConnection } from './postgres-cluster.ts';

/**
 * An offset table created by an earlier Debezium start has varchar(1255) columns, too narrow for
 * the offsets of an incremental snapshot (the reconciler's heals): widen them to text before
 * Debezium starts. New tables are created with text already (debezium/config/application.properties).
 */
export async function widenOffsetTable(config: StackConfig): Promise<void> {
  const client = new pg.Client(pgConnection(config, config.WRITE_DB_NAME));
  await client.connect();
  try {
    const { rows } = await client.query<{ narrow: boolean }>(
      /* sql */ `SELECT EXISTS (SELECT 1 FROM information_schema.columns
                  WHERE table_schema = 'public' AND table_name = $1::text AND column_name = 'offset_val'
                    AND data_type = 'character varying') AS narrow`,
      [config.DEBEZIUM_OFFSET_TABLE],
    );
    if (!rows[0]?.narrow) return;
    // The name comes from validated configuration ([a-z0-9_]+); identifiers cannot be parameters.
    const table = `"${config.DEBEZIUM_OFFSET_TABLE}"`;
    await client.query(`ALTER TABLE ${table} ALTER COLUMN offset_key TYPE text, ALTER COLUMN offset_val TYPE text`);
  } finally {
    await client.end();
  }
}

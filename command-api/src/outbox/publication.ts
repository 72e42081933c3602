import type pg from 'pg';

/** Debezium's publication with the outbox published through its root (migration 008); as the owner. */
export async function ensureOutboxPublication(pool: pg.Pool, publication: string, signalTable: string): Promise<void> {
  await pool.query(/* sql */ `SELECT ensure_outbox_publication($1::text, $2::text)`, [publication, signalTable]);
}

/** Debezium's offsets table under its configured name, with Debezium's grants (migration 009); as the owner. */
export async function ensureDebeziumOffsetTable(pool: pg.Pool, table: string): Promise<void> {
  await pool.query(/* sql */ `SELECT ensure_debezium_offset_table($1::text)`, [table]);
}

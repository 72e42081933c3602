import type { ConfirmChannel } from 'amqplib';
import type pg from 'pg';
import { OUTBOX_COLUMNS, publishRows, type OutboxRow } from './publish.ts';

/** Rows one pass locks and publishes; a pass that fills it means more are waiting. */
export const BATCH = 1_000;

/**
 * The relay most outbox libraries ship: in one transaction, lock a batch of unpublished rows with
 * `FOR UPDATE SKIP LOCKED` (so several relays can run), publish them with confirms, mark them
 * published, commit. A row committed later with an earlier position is still found (nothing is
 * skipped), but it is published after rows that committed before it (order by position is not
 * commit order). Marking is an UPDATE per row: dead tuples and index churn on the outbox.
 * Returns how many rows it published.
 */
export async function drainOnce(db: pg.Pool, channel: ConfirmChannel, exchange: string): Promise<number> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<OutboxRow>(
      `SELECT ${OUTBOX_COLUMNS} FROM outbox
        WHERE relay_published_at IS NULL
        ORDER BY position LIMIT ${BATCH}
        FOR UPDATE SKIP LOCKED`,
    );
    if (rows.length > 0) {
      await publishRows(channel, exchange, rows);
      await client.query(`UPDATE outbox SET relay_published_at = clock_timestamp() WHERE id = ANY($1::uuid[])`, [
        rows.map((r) => r.id),
      ]);
    }
    await client.query('COMMIT');
    return rows.length;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Marks what is already there as published (Debezium delivered it) and adds the column and index once. */
export async function prepareMarkColumn(db: pg.Pool): Promise<void> {
  await db.query(`ALTER TABLE outbox ADD COLUMN IF NOT EXISTS relay_published_at timestamptz`);
  await db.query(`CREATE INDEX IF NOT EXISTS outbox_relay_unpublished ON outbox (position) WHERE relay_published_at IS NULL`);
  await db.query(`UPDATE outbox SET relay_published_at = now() WHERE relay_published_at IS NULL`);
  await db.query(`VACUUM ANALYZE outbox`);
}

import type { ConfirmChannel } from 'amqplib';
import type pg from 'pg';
import { OUTBOX_COLUMNS, publishRows, type OutboxRow } from './publish.ts';

/**
 * How far below the highest published position a poll still looks for unpublished rows: a
 * transaction can commit after one that drew a later position, so the tail is re-checked, but
 * the poll never scans the whole outbox.
 */
const LOOK_BACK = 1_000;

/**
 * The design this project replaces: poll every second for rows past the highest position seen
 * (with a look-back), publish them, and record their ids in a side table. A row that commits
 * more than LOOK_BACK positions late is never published.
 */
export function legacyRelay(db: pg.Pool) {
  let highest = 0;
  return {
    async prepare() {
      await db.query(`CREATE TABLE IF NOT EXISTS relay_published (id uuid PRIMARY KEY)`);
      const { rows } = await db.query<{ highest: string | null }>(`SELECT max(position)::text AS highest FROM outbox`);
      highest = Number(rows[0]?.highest ?? 0);
      await db.query(`INSERT INTO relay_published SELECT id FROM outbox WHERE position > $1::bigint ON CONFLICT DO NOTHING`, [
        highest - LOOK_BACK,
      ]);
    },
    async drainOnce(channel: ConfirmChannel, exchange: string): Promise<number> {
      const { rows } = await db.query<OutboxRow>(
        `SELECT ${OUTBOX_COLUMNS} FROM outbox o
          WHERE o.position > $1::bigint AND NOT EXISTS (SELECT 1 FROM relay_published p WHERE p.id = o.id)
          ORDER BY o.position LIMIT 5000`,
        [highest - LOOK_BACK],
      );
      if (rows.length === 0) return 0;
      await publishRows(channel, exchange, rows);
      for (const row of rows) highest = Math.max(highest, Number(row.position));
      await db.query(`INSERT INTO relay_published SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING`, [rows.map((r) => r.id)]);
      return rows.length;
    },
  };
}

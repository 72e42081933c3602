import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import type { BenchContext } from '../context.ts';

/**
 * How far below the highest published position a poll still looks for unpublished rows: a
 * transaction can commit after one that drew a later position, so the tail is re-checked, but
 * the poll never scans the whole outbox (which would handicap the baseline as the outbox grows).
 */
const LOOK_BACK = 1_000;

/**
 * The baseline the project replaces: a relay in the style of the older design that polls the
 * outbox every second, publishes what is new to the same exchange (in Debezium's message format,
 * so the same projector consumes it) and marks it published.
 */
export async function startPollingRelay(ctx: BenchContext, intervalMs = 1000) {
  await ctx.write.query(`CREATE TABLE IF NOT EXISTS relay_published (id uuid PRIMARY KEY)`);
  const { rows: start } = await ctx.write.query<{ highest: string | null }>(`SELECT max(position)::text AS highest FROM outbox`);
  // Everything written before the relay starts was delivered by Debezium already.
  let highest = Number(start[0]?.highest ?? 0);
  await ctx.write.query(`INSERT INTO relay_published SELECT id FROM outbox WHERE position > $1::bigint ON CONFLICT DO NOTHING`, [
    highest - LOOK_BACK,
  ]);
  const connection = await amqp.connect(rabbitUrl(ctx.stack));
  const channel = await connection.createConfirmChannel();
  let running = true;
  const poll = async () => {
    const { rows } = await ctx.write.query(
      `SELECT o.id, o.type, o.schema_version, o.occurred_at, o.aggregateid, o.route, o.position, o.payload::text AS payload
         FROM outbox o
        WHERE o.position > $1::bigint AND NOT EXISTS (SELECT 1 FROM relay_published p WHERE p.id = o.id)
        ORDER BY o.position LIMIT 5000`,
      [highest - LOOK_BACK],
    );
    for (const row of rows) {
      const headers = {
        id: JSON.stringify(row.id),
        eventType: JSON.stringify(row.type),
        schemaVersion: String(row.schema_version),
        occurredAt: JSON.stringify(row.occurred_at.toISOString()),
        aggregateId: JSON.stringify(row.aggregateid),
        position: String(row.position),
      };
      channel.publish(ctx.stack.EVENTS_EXCHANGE, `outbox.event.${row.route}`, Buffer.from(row.payload), {
        headers,
        persistent: true,
      });
    }
    await channel.waitForConfirms();
    for (const row of rows) highest = Math.max(highest, Number(row.position));
    if (rows.length > 0)
      await ctx.write.query(`INSERT INTO relay_published SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING`, [
        rows.map((r) => r.id),
      ]);
  };
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      await poll();
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - started))));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await connection.close();
    },
  };
}

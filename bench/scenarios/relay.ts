import amqp from 'amqplib';
import { rabbitUrl } from '@shop/shared/config';
import type { BenchContext } from '../context.ts';

/**
 * The baseline the project replaces: a relay in the style of the older design that polls the
 * outbox every second, publishes what is new to the same exchange (in Debezium's message format,
 * so the same projector consumes it) and marks it published.
 */
export async function startPollingRelay(ctx: BenchContext, intervalMs = 1000) {
  await ctx.write.query(`CREATE TABLE IF NOT EXISTS relay_published (id uuid PRIMARY KEY)`);
  await ctx.write.query(`INSERT INTO relay_published SELECT id FROM outbox ON CONFLICT DO NOTHING`);
  const connection = await amqp.connect(rabbitUrl(ctx.stack));
  const channel = await connection.createConfirmChannel();
  let running = true;
  const poll = async () => {
    const { rows } = await ctx.write.query(
      `SELECT o.id, o.type, o.schema_version, o.occurred_at, o.aggregateid, o.route, o.position, o.payload::text AS payload
         FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM relay_published p WHERE p.id = o.id)
        ORDER BY o.position LIMIT 5000`,
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

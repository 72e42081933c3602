import { openPublisher, shuffle, type FaultContext, type Outgoing } from './fault-context.ts';

/** Rows published again per fault, and how many of those come from the newest rows (possibly still in flight). */
const ROWS = 200;
const RECENT = 500;

interface OutboxMessageRow {
  id: string;
  type: string;
  schema_version: number;
  aggregateid: string;
  route: string;
  position: string;
  payload: string;
  occurred_at: string;
}

/**
 * About 200 committed outbox rows published again exactly as Debezium publishes them (same id,
 * headers, body, routing key `outbox.event.<route>`, with the `position` header), half of them
 * drawn among the newest rows so they may overtake the originals, in a shuffled order, some twice.
 */
export async function duplicateReorder(ctx: FaultContext): Promise<string> {
  const positions = await pickPositions(ctx);
  const { rows } = await ctx.write.query<OutboxMessageRow>(
    /* sql */ `SELECT id::text, type, schema_version, aggregateid, route, position::text, payload::text,
                      to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at
                 FROM outbox WHERE position = ANY($1::bigint[]) ORDER BY position`,
    [positions],
  );
  const twice = rows.filter(() => ctx.rnd.next() < 0.2);
  const messages = shuffle([...rows, ...twice], ctx.rnd).map(asDebeziumPublishes);
  const publisher = await openPublisher(ctx.stack);
  try {
    for (const message of messages) await publisher.publish(message);
  } finally {
    await publisher.close();
  }
  return `${rows.length} outbox rows published again (${twice.length} of them twice), ${messages.length} messages in a shuffled order`;
}

/** Seeded: half among the newest RECENT positions, half among all of them. */
async function pickPositions(ctx: FaultContext): Promise<number[]> {
  const { rows } = await ctx.write.query<{ position: string }>(/* sql */ `SELECT position::text FROM outbox ORDER BY position`);
  const all = rows.map((r) => Number(r.position));
  const recent = all.slice(-RECENT);
  const chosen = new Set<number>();
  for (let i = 0; i < ROWS * 2 && chosen.size < Math.min(ROWS, all.length); i++) {
    const from = i % 2 === 0 ? recent : all;
    chosen.add(from[ctx.rnd.int(0, from.length - 1)]!);
  }
  return [...chosen];
}

/** Headers as Debezium's JSON header converter sends them (tests/support/publish.ts), plus the position. */
function asDebeziumPublishes(row: OutboxMessageRow): Outgoing {
  return {
    routingKey: `outbox.event.${row.route}`,
    headers: {
      id: JSON.stringify(row.id),
      eventType: JSON.stringify(row.type),
      schemaVersion: String(row.schema_version),
      occurredAt: JSON.stringify(row.occurred_at),
      aggregateId: JSON.stringify(row.aggregateid),
      position: row.position,
    },
    body: Buffer.from(row.payload),
  };
}

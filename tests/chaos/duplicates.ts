import type pg from 'pg';
import type { StackConfig } from '../../infra/src/stack-config.ts';
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
 * Drawn from the whole log (outbox_history): rows retention archived come back as late duplicates.
 */
export async function duplicateReorder(ctx: FaultContext): Promise<string> {
  const positions = await pickPositions(ctx);
  const rows = await logRows(ctx.write, positions);
  const twice = rows.filter(() => ctx.rnd.next() < 0.2);
  const messages = shuffle([...rows, ...twice], ctx.rnd).map(asDebeziumPublishes);
  await publishAll(ctx.stack, messages);
  return `${rows.length} outbox rows published again (${twice.length} of them twice), ${messages.length} messages in a shuffled order`;
}

/** The log's events at these positions (archived or live) published again as Debezium publishes them; returns how many. */
export async function publishLogRowsAgain(stack: StackConfig, write: pg.Pool, positions: number[]): Promise<number> {
  const rows = await logRows(write, positions);
  await publishAll(stack, rows.map(asDebeziumPublishes));
  return rows.length;
}

async function logRows(write: pg.Pool, positions: number[]): Promise<OutboxMessageRow[]> {
  const { rows } = await write.query<OutboxMessageRow>(
    /* sql */ `SELECT id::text, type, schema_version, aggregateid, route, position::text, payload::text,
                      to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at
                 FROM outbox_history WHERE position = ANY($1::bigint[]) ORDER BY position`,
    [positions],
  );
  return rows;
}

async function publishAll(stack: StackConfig, messages: Outgoing[]): Promise<void> {
  const publisher = await openPublisher(stack);
  try {
    for (const message of messages) await publisher.publish(message);
  } finally {
    await publisher.close();
  }
}

/** Seeded: half among the newest RECENT positions, half among all of them. */
async function pickPositions(ctx: FaultContext): Promise<number[]> {
  const { rows } = await ctx.write.query<{ position: string }>(
    /* sql */ `SELECT position::text FROM outbox_history ORDER BY position`,
  );
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

import type pg from 'pg';
import { APPLIED_CHANNEL } from '@shop/shared/consistency';
import type { KnownEvent } from '@shop/shared/events';
import { categoryRevenueColumns, customerValueColumns, productSalesColumns } from '../read-models/aggregates.ts';
import { inboxColumns, PRUNING_LOCK, shardCountColumns } from '../read-models/inbox.ts';
import { cancelledOrderColumns, orderLineColumns, placedOrderColumns } from '../read-models/orders.ts';
import { productColumns } from '../read-models/products.ts';
import { planEvents } from './plan.ts';

export interface BatchOutcome {
  applied: number;
  duplicates: number;
}

/** The inbox count bucket of events applied outside a shard consumer (a rebuild). */
export const NO_SHARD = -1;

/** One shard's batch, in delivery order; `shard` is its inbox count bucket. */
export interface ShardBatch {
  events: KnownEvent[];
  shard: number;
}

/** Applies one batch on the caller's transaction (applyBatches for one). */
export async function applyBatch(client: pg.PoolClient, events: KnownEvent[], shard = NO_SHARD): Promise<BatchOutcome> {
  const [outcome] = await applyBatches(client, [{ events, shard }]);
  return outcome!;
}

/**
 * Applies batches (of one or several shards) in one round trip: projection.apply_batch (migration
 * 006) records the events in the inbox, applies the planned changes to every read model, adds to
 * each shard's inbox count and notifies that events were applied (read-your-writes). On a
 * client in a transaction it runs on that transaction; on a pool it is a transaction of its own
 * (group commit), committed when it returns. Each shard's events keep their order, and an
 * aggregate's events are all in one shard, so the per-aggregate order holds.
 *
 * The plan is made from the events believed new; the function refuses to write if any is not
 * (a duplicate, a redelivery, an event below the pruning watermark) and names them, and the batch
 * is planned again without them. Each round drops at least one event, so it ends. One outcome
 * per batch, in order.
 */
export async function applyBatches(db: pg.Pool | pg.PoolClient, batches: ShardBatch[]): Promise<BatchOutcome[]> {
  const notNew = new Set<string>();
  for (;;) {
    const applied = firstOfEach(batches, notNew);
    const events = applied.flat();
    if (events.length > 0) {
      const { rows } = await db.query<{ not_new: string[] }>(APPLY_BATCH_SQL, batchParameters(batches, applied));
      const refused = rows[0]!.not_new;
      if (refused.length > 0) {
        for (const id of refused) notNew.add(id);
        continue;
      }
    }
    return batches.map((b, i) => ({ applied: applied[i]!.length, duplicates: b.events.length - applied[i]!.length }));
  }
}

/** Each batch's events but those known not to be new, and an event delivered twice only once. */
function firstOfEach(batches: ShardBatch[], notNew: Set<string>): KnownEvent[][] {
  const seen = new Set<string>();
  return batches.map((b) => b.events.filter((e) => !notNew.has(e.id) && !seen.has(e.id) && Boolean(seen.add(e.id))));
}

const APPLY_BATCH_SQL = /* sql */ `SELECT projection.apply_batch(
  $1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[],
  $7::int[], $8::text[], $9::text[], $10::numeric[], $11::int[], $12::timestamptz[],
  $13::int[], $14::int[], $15::bigint[], $16::timestamptz[], $17::bigint[],
  $18::int[], $19::int[], $20::bigint[], $21::timestamptz[], $22::bigint[],
  $23::int[], $24::int[], $25::text[], $26::int[], $27::bigint[], $28::bigint[],
  $29::int[], $30::bigint[], $31::bigint[], $32::int[],
  $33::text[], $34::bigint[], $35::int[],
  $36::int[], $37::bigint[], $38::int[],
  $39::int[], $40::bigint[], $41::bigint[],
  $42::bigint, $43::text) AS not_new`;

/** The function's parameters, in its order: the events, then each read model's columns from the plan. */
function batchParameters(batches: ShardBatch[], applied: KnownEvent[][]): unknown[] {
  const events = applied.flat();
  const plan = planEvents(events);
  return [
    ...inboxColumns(events),
    ...productColumns(plan.products),
    ...placedOrderColumns(plan.placements),
    ...cancelledOrderColumns(plan.cancellations),
    ...orderLineColumns([...plan.placements, ...plan.cancellations]),
    ...productSalesColumns(plan.productSales),
    ...categoryRevenueColumns(plan.categoryRevenue),
    ...customerValueColumns(plan.customerValue),
    ...shardCountColumns(batches.map((b, i) => ({ shard: b.shard, applied: applied[i]! }))),
    PRUNING_LOCK,
    APPLIED_CHANNEL,
  ];
}

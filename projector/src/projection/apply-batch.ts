import type pg from 'pg';
import { APPLIED_CHANNEL } from '@shop/shared/consistency';
import type { KnownEvent } from '@shop/shared/events';
import { addCategoryRevenue, addCustomerValue, addProductSales } from '../read-models/aggregates.ts';
import { addPlacedHours, subtractCancelledHours } from '../read-models/hourly-sales.ts';
import { countApplied, holdInboxWatermark, recordNewEvents } from '../read-models/inbox.ts';
import { upsertCancelledOrders, upsertPlacedOrders } from '../read-models/orders.ts';
import { upsertProducts } from '../read-models/products.ts';
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
 * Applies batches (of one or several shards) on the caller's transaction: the inbox first (so
 * only events not seen before count), then every read model once for all of them, then the inbox
 * count of each shard, and a notification that events were applied (read-your-writes). Each
 * shard's events keep their order, and an aggregate's events are all in one shard, so the
 * per-aggregate order holds. The caller commits, then acks. One outcome per batch, in order.
 */
export async function applyBatches(client: pg.PoolClient, batches: ShardBatch[]): Promise<BatchOutcome[]> {
  const events = batches.flatMap((b) => b.events);
  if (events.length === 0) return batches.map(() => ({ applied: 0, duplicates: 0 }));
  await holdInboxWatermark(client);
  const fresh = await recordNewEvents(client, events);
  const seen = new Set<string>();
  const isNew = (e: KnownEvent) => fresh.has(e.id) && !seen.has(e.id) && seen.add(e.id);
  const newByBatch = batches.map((b) => b.events.filter(isNew));
  const plan = planEvents(newByBatch.flat());

  await upsertProducts(client, plan.products);
  await upsertPlacedOrders(client, plan.placements);
  await addPlacedHours(client, plan.placements);
  await upsertCancelledOrders(client, plan.cancellations);
  await subtractCancelledHours(client, plan.cancellations);
  await addProductSales(client, plan.productSales);
  await addCategoryRevenue(client, plan.categoryRevenue);
  await addCustomerValue(client, plan.customerValue);
  await countApplied(
    client,
    batches.map((b, i) => ({ shard: b.shard, applied: newByBatch[i]! })),
  );
  // Delivered at commit, to the query APIs waiting for a Consistency-Token (nothing when none listens).
  if (seen.size > 0) await client.query(/* sql */ `SELECT pg_notify($1, '')`, [APPLIED_CHANNEL]);
  return batches.map((b, i) => ({ applied: newByBatch[i]!.length, duplicates: b.events.length - newByBatch[i]!.length }));
}

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

/**
 * Applies a batch on the caller's transaction: the inbox first (so only events not seen before
 * count), then every read model, then the inbox count of the batch's shard, and a notification
 * that events were applied (read-your-writes). The caller commits, then acks.
 */
export async function applyBatch(client: pg.PoolClient, events: KnownEvent[], shard = NO_SHARD): Promise<BatchOutcome> {
  if (events.length === 0) return { applied: 0, duplicates: 0 };
  await holdInboxWatermark(client);
  const fresh = await recordNewEvents(client, events);
  const seen = new Set<string>();
  const newEvents = events.filter((e) => fresh.has(e.id) && !seen.has(e.id) && seen.add(e.id));
  const plan = planEvents(newEvents);

  await upsertProducts(client, plan.products);
  await upsertPlacedOrders(client, plan.placements);
  await addPlacedHours(client, plan.placements);
  await upsertCancelledOrders(client, plan.cancellations);
  await subtractCancelledHours(client, plan.cancellations);
  await addProductSales(client, plan.productSales);
  await addCategoryRevenue(client, plan.categoryRevenue);
  await addCustomerValue(client, plan.customerValue);
  await countApplied(client, shard, newEvents);
  // Delivered at commit, to the query APIs waiting for a Consistency-Token (nothing when none listens).
  if (newEvents.length > 0) await client.query(/* sql */ `SELECT pg_notify($1, '')`, [APPLIED_CHANNEL]);
  return { applied: newEvents.length, duplicates: events.length - newEvents.length };
}

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
  /** Events carrying a dead letter's id that are not the outbox's event, with why: not applied, to be parked. */
  forged: Map<KnownEvent, string>;
}

/** The inbox count bucket of events applied outside a shard consumer (a rebuild). */
export const NO_SHARD = -1;

/** One shard's batch, in delivery order; `shard` is its inbox count bucket. */
export interface ShardBatch {
  events: KnownEvent[];
  shard: number;
}

/**
 * Which of these events (each carrying the id of a noted dead letter) are the outbox's event they
 * claim to be: undefined for those that are, else why not (screening/copy-check.ts).
 */
export type CopyCheck = (events: KnownEvent[]) => Promise<Map<KnownEvent, string | undefined>>;

/** For events read from the outbox itself (a rebuild): each is the outbox's event. */
export const FROM_THE_OUTBOX: CopyCheck = async (events) => new Map(events.map((e) => [e, undefined]));

/** Applies one batch of events read from the outbox (a rebuild) on the caller's transaction (applyBatches for one). */
export async function applyBatch(client: pg.PoolClient, events: KnownEvent[], shard = NO_SHARD): Promise<BatchOutcome> {
  const [outcome] = await applyBatches(client, [{ events, shard }], FROM_THE_OUTBOX);
  return outcome!;
}

/**
 * Applies batches (of one or several shards) in one round trip: projection.apply_batch (migrations
 * 006 and 008) records the events in the inbox, applies the planned changes to every read model, adds to
 * each shard's inbox count and notifies that events were applied (read-your-writes). On a
 * client in a transaction it runs on that transaction; on a pool it is a transaction of its own
 * (group commit), committed when it returns. Each shard's events keep their order, and an
 * aggregate's events are all in one shard, so the per-aggregate order holds.
 *
 * The plan is made from the events believed new; the function refuses to write if any is not
 * (a duplicate, a redelivery, an event below the pruning watermark) and names them, and the batch
 * is planned again without them. It also refuses events carrying the id of a noted dead letter
 * until `checkCopies` has found each to be the outbox's event (migration 008): those are vouched
 * for, the others set aside as forged. Each round drops or vouches for at least one event, so it
 * ends. One outcome per batch, in order.
 */
export async function applyBatches(
  db: pg.Pool | pg.PoolClient,
  batches: ShardBatch[],
  checkCopies: CopyCheck,
): Promise<BatchOutcome[]> {
  const notNew = new Set<string>();
  // By message, not by id: another copy with the same id in the batch may still be the real one.
  const vouched = new Set<KnownEvent>();
  const forged = new Map<KnownEvent, string>();
  for (;;) {
    const applied = firstOfEach(batches, notNew, forged);
    const events = applied.flat();
    if (events.length > 0) {
      const { rows } = await db.query<{ not_new: string[]; unverified: string[] }>(
        APPLY_BATCH_SQL,
        batchParameters(batches, applied, vouched),
      );
      const refused = rows[0]!;
      if (refused.not_new.length > 0 || refused.unverified.length > 0) {
        const settledBefore = notNew.size + vouched.size + forged.size;
        for (const id of refused.not_new) notNew.add(id);
        const unverified = new Set(refused.unverified);
        const copies = await checkCopies(events.filter((e) => unverified.has(e.id) && !vouched.has(e)));
        for (const [event, difference] of copies) {
          if (difference === undefined) vouched.add(event);
          else forged.set(event, difference);
        }
        // Never loop on an answer that changes nothing (it would be a bug in the function).
        if (notNew.size + vouched.size + forged.size === settledBefore)
          throw new Error('apply_batch refused events it had refused before');
        continue;
      }
    }
    return batches.map((b, i) => {
      const ownForged = new Map(b.events.filter((e) => forged.has(e)).map((e) => [e, forged.get(e)!]));
      return {
        applied: applied[i]!.length,
        duplicates: b.events.length - applied[i]!.length - ownForged.size,
        forged: ownForged,
      };
    });
  }
}

/** Each batch's events but those known not to be new or found forged, and an event delivered twice only once. */
function firstOfEach(batches: ShardBatch[], notNew: Set<string>, forged: Map<KnownEvent, string>): KnownEvent[][] {
  const seen = new Set<string>();
  return batches.map((b) =>
    b.events.filter((e) => !notNew.has(e.id) && !forged.has(e) && !seen.has(e.id) && Boolean(seen.add(e.id))),
  );
}

const APPLY_BATCH_SQL = /* sql */ `SELECT not_new, unverified FROM projection.apply_batch(
  $1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[],
  $7::int[], $8::text[], $9::text[], $10::numeric[], $11::int[], $12::timestamptz[],
  $13::int[], $14::int[], $15::bigint[], $16::timestamptz[], $17::bigint[],
  $18::int[], $19::int[], $20::bigint[], $21::timestamptz[], $22::bigint[],
  $23::int[], $24::int[], $25::text[], $26::int[], $27::bigint[], $28::bigint[],
  $29::int[], $30::bigint[], $31::bigint[], $32::int[],
  $33::text[], $34::bigint[], $35::int[],
  $36::int[], $37::bigint[], $38::int[],
  $39::int[], $40::bigint[], $41::bigint[],
  $42::bigint, $43::text, $44::uuid[])`;

/** The function's parameters, in its order: the events, then each read model's columns from the plan, then the vouched. */
function batchParameters(batches: ShardBatch[], applied: KnownEvent[][], vouched: ReadonlySet<KnownEvent>): unknown[] {
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
    events.filter((e) => vouched.has(e)).map((e) => e.id),
  ];
}

import type pg from 'pg';
import { APPLIED_CHANNEL } from '@shop/shared/consistency';
import type { KnownEvent } from '@shop/shared/events';
import { NO_SHARD } from '@shop/shared/read-side';
import { READ_MODELS } from '@shop/shared/read-models';
import { batchStatement } from '@shop/shared/projection';

export interface BatchOutcome {
  applied: number;
  duplicates: number;
  /** Events carrying a dead letter's id that are not the outbox's event, with why: not applied, to be parked. */
  forged: Map<KnownEvent, string>;
}

/** One shard's batch, in delivery order (NO_SHARD for a rebuild's). */
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

/** Every registered read model's statement (shared/src/projection/batch-statement.ts). */
const STATEMENT = batchStatement(READ_MODELS, APPLIED_CHANNEL);

/**
 * Applies batches (of one or several shards) in one round trip (migration 011): the inbox admits
 * the events, every registered read model applies its share, each shard's progress is recorded
 * and a notification tells read-your-writes that events were applied. On a
 * client in a transaction it runs on that transaction; on a pool it is a transaction of its own
 * (group commit), committed when it returns. Each shard's events keep their order, and an
 * aggregate's events are all in one shard, so the per-aggregate order holds.
 *
 * Each read model plans its share from the events believed new; the inbox refuses the batch,
 * and nothing is written, if any is not (a duplicate, a redelivery, an event below the pruning
 * watermark) and names them, and the batch is planned again without them. It also refuses events carrying the id of a noted dead letter
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
        STATEMENT.text,
        STATEMENT.parameters({
          applied: batches.map((b, i) => ({ shard: b.shard, events: applied[i]! })),
          vouched: events.filter((e) => vouched.has(e)).map((e) => e.id),
        }),
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
        // Never loop on an answer that changes nothing (it would be a bug in projection.admit_batch).
        if (notNew.size + vouched.size + forged.size === settledBefore)
          throw new Error('the inbox refused events it had refused before');
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

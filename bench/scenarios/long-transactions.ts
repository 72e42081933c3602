import type { BenchContext } from '../context.ts';
import { postJson } from '../context.ts';
import { percentiles, type Percentiles } from '../report/stats.ts';
import { overtaken, type CommitOrder } from './commit-order.ts';
import { runOrdersAtRate, type Progress, type System } from './freshness.ts';

/** How long a long transaction holds its commit after drawing its outbox positions. */
export const HOLD_SECONDS = 2.5;
/** One long transaction starts this often during the window. */
const EVERY_MS = 500;
/** The customer whose orders commit late (the load's customers are 1–500). */
const LATE_CUSTOMER = 900_001;

/** One system's window with long transactions forced into the load. */
export interface LongTransactionsRun {
  system: System;
  rate: number;
  seconds: number;
  holdSeconds: number;
  orders: number;
  longTransactions: number;
  /** Most later orders that committed before one long transaction did. */
  overtakenBy: number;
  order: CommitOrder;
  /** Long transactions whose OrderPlaced event never reached the broker. */
  longTransactionsMissed: number;
  /** Commit of the long transaction to the projector's commit. */
  longTransactionLatencyMs: Percentiles;
}

/**
 * Makes the command API's own order transactions commit late: a deferred constraint trigger on
 * `orders` sleeps at COMMIT, after the order's outbox rows drew their positions, for orders of
 * LATE_CUSTOMER only. A slow transaction elsewhere in an application (a remote call before
 * commit, a lock wait) does exactly this to the outbox.
 */
async function installLateCommit(ctx: BenchContext) {
  await ctx.write.query(`CREATE OR REPLACE FUNCTION bench_late_commit() RETURNS trigger LANGUAGE plpgsql AS
                         $$ BEGIN PERFORM pg_sleep(${HOLD_SECONDS}); RETURN NULL; END $$`);
  await ctx.write.query(`DROP TRIGGER IF EXISTS bench_late_commit ON orders`);
  await ctx.write.query(`CREATE CONSTRAINT TRIGGER bench_late_commit AFTER INSERT ON orders
                           DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                           WHEN (NEW.customer_id = ${LATE_CUSTOMER}) EXECUTE FUNCTION bench_late_commit()`);
}

/** A product per long transaction, so none waits on another's row lock. */
async function lateProducts(ctx: BenchContext, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await postJson(`${ctx.commandApi}/api/products`, {
      name: `Late ${i}`,
      category: 'bench-late',
      price: 7,
      stock: 1_000,
    });
    ids.push(res!.productId as number);
  }
  return ids;
}

/**
 * Orders at `rate` with a long transaction every EVERY_MS among them; counts what each system
 * does with the events that commit out of position order: delivered late, out of commit order,
 * or never. A system that loses events is given 5 s without progress before its window ends.
 */
export async function runWithLongTransactions(
  ctx: BenchContext,
  system: System,
  rate: number,
  seconds: number,
  progress: Progress,
): Promise<LongTransactionsRun> {
  await installLateCommit(ctx);
  const products = await lateProducts(ctx, Math.floor((seconds * 1000) / EVERY_MS));
  const late: Promise<number | undefined>[] = [];
  const r = await runOrdersAtRate(ctx, rate, seconds, progress, `${system} ${rate}/s, long transactions`, {
    alongside: (elapsedMs) => {
      while (late.length < products.length && late.length * EVERY_MS <= elapsedMs) {
        const productId = products[late.length]!;
        late.push(
          postJson(`${ctx.commandApi}/api/orders`, { customerId: LATE_CUSTOMER, items: [{ productId, quantity: 1 }] }).then(
            (b) => b?.orderId as number | undefined,
          ),
        );
      }
    },
    lateIds: async () => (await Promise.all(late)).filter((id): id is number => id !== undefined),
    settleMs: 5_000,
  });
  await ctx.write.query(`DROP TRIGGER IF EXISTS bench_late_commit ON orders`);
  const lateEvents = new Set(r.lateEventIds);
  const lateLatencies = r.events.flatMap((e) => {
    const applied = r.appliedAt.get(e.id);
    return lateEvents.has(e.id) && applied !== undefined ? [applied - e.committedAt] : [];
  });
  return {
    system,
    rate,
    seconds,
    holdSeconds: HOLD_SECONDS,
    orders: r.load.sent,
    longTransactions: lateEvents.size,
    overtakenBy: overtaken(r.events, lateEvents),
    order: r.order!,
    longTransactionsMissed: r.lateEventIds.filter((id) => !r.arrivedAt.has(id)).length,
    longTransactionLatencyMs: percentiles(lateLatencies),
  };
}

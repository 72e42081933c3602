import { setTimeout as sleep } from 'node:timers/promises';
import { postgresUrl } from '@shop/shared/config';
import { createPool } from '@shop/shared/db';
import { createProduct } from '../../command-api/src/products/create-product.ts';
import { rebuildReadModels } from '../../projector/src/rebuild/rebuild.ts';
import type { FaultContext } from './fault-context.ts';
import { dbLogin } from '../../infra/src/stack-config.ts';

const NO_PROGRESS = { start: () => undefined, advance: () => undefined, stop: () => undefined };

/**
 * `npm run rebuild` in-process while a write transaction is open: a product and its
 * ProductCreated outbox row inserted by the command API's own code (so its outbox position is
 * drawn), a rebuild started, the transaction committed after a seeded 0–3 s while the rebuild
 * runs (a rebuild that waits for it is fine), then the rebuild awaited. The event must end up
 * applied exactly once in the swapped-in read models, like every other.
 */
export async function rebuildHeldTransaction(ctx: FaultContext): Promise<string> {
  const delayMs = ctx.rnd.int(0, 3_000);
  const write = createPool(postgresUrl(dbLogin(ctx.stack, 'projector'), ctx.stack.WRITE_DB_NAME), 2, 'chaos-rebuild');
  const read = createPool(postgresUrl(dbLogin(ctx.stack, 'projector'), ctx.stack.READ_DB_NAME), 2, 'chaos-rebuild', 'read');
  const rebuild = () =>
    rebuildReadModels({ reader: { shopCurrency: 'USD' }, write, read, chunkSize: 2000, progress: NO_PROGRESS });
  const held = await ctx.write.connect();
  try {
    await held.query('BEGIN');
    const { productId } = await createProduct(held, { name: `Held ${delayMs}`, category: 'chaos-held', price: 3.5, stock: 40 });
    const started = Date.now();
    let endedAt: number | undefined;
    const running = rebuild().finally(() => (endedAt = Date.now()));
    running.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    await sleep(delayMs);
    await held.query('COMMIT');
    const when = endedAt === undefined ? 'while the rebuild ran' : 'after the rebuild had ended';
    const outcome = await running.then(
      (report) => `rebuild of ${report.events} events took ${((endedAt! - started) / 1000).toFixed(1)} s`,
      async (err: unknown) => {
        // It may refuse to swap (nothing changed) and say to run it again: what an operator does.
        if (!String(err).includes('run it again')) throw err;
        const report = await rebuild();
        return `rebuild refused to swap (${String(err).slice(0, 120)}); run again: ${report.events} events`;
      },
    );
    return `product ${productId} committed after ${delayMs / 1000} s, ${when}; ${outcome}`;
  } catch (err) {
    await held.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    held.release();
    await Promise.allSettled([write.end(), read.end()]);
  }
}
